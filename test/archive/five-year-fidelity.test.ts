// Issue 22's acceptance: a 5-year export whose place names hold U+2028, U+2029 and 3,000 characters, made by the
// Moves emulator, is imported and published by the member's job; the file on Open Humans holds every day of
// the export byte for byte. Then the day view and the downloads show a day of it.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Job } from 'pg-boss';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { importArchive, openArchive } from '../../src/archive/index.ts';
import { handleSyncMember } from '../../src/jobs/handlers.ts';
import { rawArrayElements } from '../../src/sync/day-stream.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import { signIn, startWebSandbox, type WebSandbox } from '../web/support.ts';
import { tempDir } from './fixtures.ts';

let web: WebSandbox;
let dir: string;

beforeAll(async () => {
  web = await startWebSandbox({ env: { IMPORT_MAX_BYTES: String(512 * 1024 * 1024) } });
  dir = tempDir();
});
afterAll(async () => {
  await web?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The name every named place of the history carries: 3,000 characters with both separators in it. */
const NAME = `Ufer\u2028Weg\u2029${'n'.repeat(2991)}`;

async function elements(input: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const text of rawArrayElements(input)) out.push(text);
  return out;
}

it('publishes every day of a 5-year export with separators and a 3,000-character name, byte for byte', async () => {
  expect(NAME).toHaveLength(3000);
  const { cookie, ohMemberId } = await signIn(web);
  const memberId = (await web.ctx.accounts.findMemberByOhId(ohMemberId))!;

  const moves = web.sandbox.moves.control;
  const now = new Date(web.ctx.clock.now());
  const first = new Date(now.getTime() - 5 * 365 * 86_400_000).toISOString().slice(0, 10);
  const { userId } = await moves.createUser({ firstDate: first, timeZone: 'Europe/Berlin' });
  await moves.setNames(userId, { placeName: NAME });
  const res = await moves.exportArchive(userId);
  const file = path.join(dir, 'moves_export.zip');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));

  // The export's days, each as the archive's compact text.
  const archive = await openArchive(file);
  const exported: string[] = [];
  for await (const item of archive.items()) if (item.kind === 'day') exported.push(item.text);
  await archive.close();
  expect(exported.length).toBeGreaterThan(5 * 365 - 2);
  expect(exported.filter((t) => t.includes(NAME)).length).toBeGreaterThan(1000);

  // Imported as the operator's command does it; the member's job publishes.
  const report = await importArchive(web.ctx, { ohMemberId, file });
  expect(report).toMatchObject({ skipped: 0, added: exported.length });
  await handleSyncMember(web.ctx, { id: 'test', data: { memberId, reason: 'import' } } as Job<unknown>);

  const member = await web.ctx.openHumans.exchangeMember(await web.ctx.accounts.ohAccessToken(memberId));
  const files = member.files.filter((f) => f.basename === STORYLINE_FILENAME);
  expect(files).toHaveLength(1);
  const published = await elements(await web.ctx.openHumans.download(files[0]!.downloadUrl));
  expect(published.length).toBe(exported.length);
  const differing = published.findIndex((text, i) => text !== exported[i]);
  expect(differing).toBe(-1);

  // A day of it is shown, with its name (shortened on the page) and in the downloads whole.
  const date = JSON.parse(exported.find((t) => t.includes(NAME))!).date as string;
  const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`;
  const page = await web.app.inject({ method: 'GET', url: `/day/${iso}`, headers: { cookie } });
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('Ufer\u2028Weg\u2029nnn');
  expect(page.body).not.toContain(NAME);
  const geo = await web.app.inject({
    method: 'GET',
    url: `/export?format=geojson&from=${iso}&to=${iso}`,
    headers: { cookie },
  });
  expect(geo.statusCode).toBe(200);
  expect(JSON.stringify(geo.json())).toContain(JSON.stringify(NAME).slice(1, -1));
}, 600_000);
