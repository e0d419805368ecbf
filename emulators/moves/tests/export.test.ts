// GET /_control/users/{id}/export?format=zip: the export archive in the reference's layout, whose storyline days
// are exactly what the API returns with track points, pretty-printed the Jackson way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../../src/archive/index.ts';
import { closeZip, listEntries, openEntry, openZip, extractEntry } from '../../../src/archive/zip.ts';
import { startMovesEmulator, type RunningMovesEmulator } from '../index.ts';
import { formatDate, ordinalAt } from '../dates.ts';
import { generateStorylineDay } from '../generator.ts';
import { toMovesJson } from '../serializer.ts';

let em: RunningMovesEmulator;
let dir: string;
const ZONE = 'Europe/Berlin';

beforeAll(async () => {
  em = await startMovesEmulator({ port: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moves-export-test-'));
});
afterAll(async () => {
  await em?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function entryText(file: string, name: string): Promise<string> {
  const zip = await openZip(file);
  try {
    const [entry] = await listEntries(zip, (n) => n === name);
    const chunks: Buffer[] = [];
    for await (const c of await openEntry(zip, entry!)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeZip(zip);
  }
}

describe('Moves export archive', () => {
  it('holds moves_export/{csv,json}.zip whose JSON storyline equals the API days with track points', async () => {
    const today = ordinalAt(Date.now(), ZONE);
    const user = { firstDate: formatDate(today - 10), timeZone: ZONE, seed: 4242 };
    const { userId } = em.createUser(user);
    const res = await fetch(`${em.url}/_control/users/${userId}/export?format=zip`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('moves_export.zip');
    const file = path.join(dir, 'moves_export.zip');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));

    const outer = await openZip(file);
    const names = (await listEntries(outer, () => true)).map((e) => e.fileName).sort();
    expect(names).toEqual(['moves_export/csv.zip', 'moves_export/json.zip']);
    closeZip(outer);
    const inner = path.join(dir, 'json.zip');
    const again = await openZip(file);
    await extractEntry(again, (await listEntries(again, (n) => n.endsWith('json.zip')))[0]!, inner);
    closeZip(again);
    const innerZip = await openZip(inner);
    const innerNames = (await listEntries(innerZip, () => true)).map((e) => e.fileName);
    closeZip(innerZip);
    expect(innerNames).toContain('json/full/storyline.json');
    expect(innerNames).toContain('json/full/summary.json');
    expect(innerNames.filter((n) => n.startsWith('json/daily/storyline/'))).toHaveLength(10);

    const full = await entryText(inner, 'json/full/storyline.json');
    expect(full.startsWith('[ {\n  "date" : "')).toBe(true);
    expect(full).toContain('"trackPoints" : [ {');
    expect(full.endsWith('} ]')).toBe(true);

    const archive = await openArchive(file);
    const got: string[] = [];
    for await (const item of archive.items()) if (item.kind === 'day') got.push(item.text);
    await archive.close();
    const want = Array.from({ length: 10 }, (_, i) =>
      toMovesJson(generateStorylineDay(user, formatDate(today - 10 + i), { trackPoints: true })),
    );
    expect(got).toEqual(want);
  });

  it('answers 404 for an unknown user and 400 without format=zip', async () => {
    expect((await fetch(`${em.url}/_control/users/1/export?format=zip`)).status).toBe(404);
    const { userId } = em.createUser({ firstDate: '20180101', timeZone: ZONE });
    expect((await fetch(`${em.url}/_control/users/${userId}/export`)).status).toBe(400);
  });
});
