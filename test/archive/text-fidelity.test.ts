// Every character JSON allows in a string passes through an import unchanged (line and paragraph separators,
// NEL, an escaped lone CR, characters outside the BMP, raw or escaped); long names are kept; a day that really
// must be refused is named by its date, kept with its reason, shown on its page and listed in full.
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatArchiveReport, importArchive } from '../../src/archive/index.ts';
import { MAX_STRING_CHARS } from '../../src/moves/day-limits.ts';
import { resetMemberData } from '../../src/sync/reset.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { sessionCookie } from '../web/support.ts';
import { createMember, dates, jackson, storylineDay, tempDir, writeFile, zipBuffer } from './fixtures.ts';

/** Names with every kind of character a careless line reader or string check trips on. */
const NAMES = [
  'Line\u2028Separator',
  'Paragraph\u2029Separator',
  'Next\u0085Line',
  'Lone\rReturn',
  'Clef 𝄞 and 😀',
  `Long ${'x'.repeat(2995)}`,
];

/** The export's days, pretty-printed, with one name per day; the last day's name is written with escapes. */
function exportText(ds: string[]): { text: string; compact: string[] } {
  const days = ds.map((d, i) => {
    const day = storylineDay(d);
    const place = (day.segments as { place?: Record<string, unknown> }[])[0]!.place!;
    place.name = i < NAMES.length ? NAMES[i] : 'ESCAPED';
    return day;
  });
  const escaped = '\\u2028\\u2029\\u0085\\r\\ud834\\udd1e\\"';
  const text = jackson(days).replace('"ESCAPED"', `"${escaped}"`);
  // The stored text of each day: the export's own, white space outside strings dropped.
  const compact = days.map((d) => JSON.stringify(d).replace('"ESCAPED"', `"${escaped}"`));
  return { text, compact };
}

describe.each(storeKinds())('text fidelity of an import on %s', (store) => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let dir: string;
  beforeAll(async () => {
    ctx = await createTestContext({ store });
    app = await buildWebApp(ctx);
    await app.ready();
    dir = tempDir();
  });
  afterAll(async () => {
    await app?.close();
    await ctx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function storedDays(memberId: number): Promise<string[]> {
    const out: string[] = [];
    for (const w of await ctx.weeks.list(memberId)) {
      const text = (await ctx.weeks.daysOf(memberId, w.week))!;
      out.push(text);
    }
    return out;
  }

  it('stores every day with U+2028, U+2029, U+0085, a lone CR, astral characters and a 3,000-character name exactly', async () => {
    const { memberId, ohMemberId } = await createMember(ctx);
    const ds = dates('20160104', NAMES.length + 1);
    const { text, compact } = exportText(ds);
    const file = writeFile(dir, 'names.zip', await zipBuffer({ 'json/full/storyline.json': text }));
    const report = await importArchive(ctx, { ohMemberId, file });
    expect(report).toMatchObject({ added: ds.length, skipped: 0 });
    expect(await storedDays(memberId)).toEqual([`[${compact.join(',')}]`]);
  });

  it('refuses a day that breaks the limits by its date and reason: stored, on its page, every one in the list', async () => {
    const { memberId, ohMemberId } = await createMember(ctx);
    const ds = dates('20160104', 14);
    const tooLong = 'y'.repeat(MAX_STRING_CHARS + 1);
    // Seven days refused (more than the report's first five), among them one without an ISO week.
    const refusedDates = ds.filter((_, i) => i % 2 === 1);
    const days: unknown[] = ds.map((d) => {
      const day = storylineDay(d);
      if (refusedDates.includes(d))
        (day.segments as { place?: Record<string, unknown> }[])[0]!.place!.name = tooLong;
      return day;
    });
    days.push({ date: '00000101', summary: null, segments: null });
    const file = writeFile(dir, 'long.zip', await zipBuffer({ 'json/full/storyline.json': jackson(days) }));
    const report = await importArchive(ctx, { ohMemberId, file });
    expect(report).toMatchObject({ added: 7, skipped: 8, refusedDays: 7 });
    expect(report.skippedEntries).toHaveLength(5);
    expect(formatArchiveReport(report)).toContain(
      '  2016-01-05: a name, value or key is 10001 characters long',
    );
    expect(formatArchiveReport(report)).toContain('7 refused days kept with the reason');
    expect(report.skippedEntries[0]).toEqual({
      where: '2016-01-05',
      reason: `a name, value or key is ${MAX_STRING_CHARS + 1} characters long (at most ${MAX_STRING_CHARS} are accepted)`,
    });

    const cookie = sessionCookie(app, { memberId });
    const page = await app.inject({ method: 'GET', url: '/day/2016-01-05', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      'long.zip, but the import refused it: a name, value or key is 10001 characters long',
    );
    expect(page.body).not.toContain('lies outside the history');

    const csv = await app.inject({ method: 'GET', url: '/import/refused.csv', headers: { cookie } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('date,file,reason');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(
      refusedDates.map((d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`),
    );

    // A later import that stores the day takes it off the list.
    const fixed = writeFile(
      dir,
      'fixed.zip',
      await zipBuffer({ 'json/full/storyline.json': jackson([storylineDay('20160105')]) }),
    );
    await importArchive(ctx, { ohMemberId, file: fixed });
    expect((await ctx.imports.refusedDays(memberId)).map((r) => r.date)).toEqual(refusedDates.slice(1));
    const shown = await app.inject({ method: 'GET', url: '/day/2016-01-05', headers: { cookie } });
    expect(shown.body).not.toContain('refused');

    // Another Moves account's history replaces this one: its refusals go with its weeks.
    await resetMemberData(ctx, memberId);
    expect(await ctx.imports.refusedDays(memberId)).toEqual([]);
  });
});
