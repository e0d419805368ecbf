// Importing Moves exports into stored weeks: every archive layout, broken archives that must store nothing,
// invalid days that are skipped and reported, and weeks from Moves that an archive must never replace.
import fs from 'node:fs';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, importArchive, UnknownMemberError } from '../../src/archive/index.ts';
import { importWorkDir } from '../../src/archive/import-archive.ts';
import { storedWeeks, syncEvents, syncState } from '../../src/db/schema.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import {
  createMember,
  dailyFiles,
  dates,
  jackson,
  storylineDay,
  tempDir,
  writeFile,
  zipBuffer,
} from './fixtures.ts';

let ctx: TestContext;
let dir: string;

// 2016-01-03 is a Sunday in ISO week 2015-W53; the next 14 days are 2016-W01 and 2016-W02.
const DATES = dates('20160103', 15);
const DAYS = DATES.map((d) => storylineDay(d));
const WEEKS = ['2015-W53', '2016-W01', '2016-W02'];
const daysOfWeek = (week: string) => {
  const i = WEEKS.indexOf(week);
  return i === 0 ? DAYS.slice(0, 1) : DAYS.slice(1 + (i - 1) * 7, 1 + i * 7);
};

/** The member's stored weeks, each with its text as the week store gives it back. */
async function weeksOf(memberId: number) {
  const rows = await ctx.db
    .select({
      week: storedWeeks.week,
      source: storedWeeks.source,
      dayCount: storedWeeks.dayCount,
      complete: storedWeeks.complete,
    })
    .from(storedWeeks)
    .where(eq(storedWeeks.memberId, memberId))
    .orderBy(asc(storedWeeks.week));
  return Promise.all(
    rows.map(async (r) => ({ ...r, daysJson: (await ctx.weeks.daysOf(memberId, r.week))! })),
  );
}

async function syncStatus(memberId: number) {
  const [row] = await ctx.db
    .select({ status: syncState.status })
    .from(syncState)
    .where(eq(syncState.memberId, memberId));
  return row?.status;
}

/** Temporary extraction folders the importer made and did not remove. */
function leftoverTempDirs(): string[] {
  const work = importWorkDir(ctx);
  return fs.existsSync(work) ? fs.readdirSync(work) : [];
}

/** The 15 days, each week stored compact and in the export's key order, as archive weeks. */
async function expectAllWeeksImported(memberId: number) {
  const rows = await weeksOf(memberId);
  expect(rows.map((r) => r.week)).toEqual(WEEKS);
  expect(rows.map((r) => r.dayCount)).toEqual([1, 7, 7]);
  for (const r of rows) {
    expect(r.source).toBe('archive');
    expect(r.daysJson).toBe(JSON.stringify(daysOfWeek(r.week)));
  }
}

// The import runs in one transaction: both stores must roll back the same way.
describe.each(storeKinds())('archive import on %s', (store) => {
  beforeAll(async () => {
    ctx = await createTestContext({ store });
    dir = tempDir();
  });
  afterAll(async () => {
    await ctx?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('archive layouts', () => {
    it('reads json/full/storyline.json from a json.zip nested in moves_export.zip, and queues a sync', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const jsonZip = await zipBuffer({
        'json/full/storyline.json': jackson(DAYS),
        'json/full/places.json': jackson([{ date: '20160104', segments: [] }]),
        ...dailyFiles('', DATES.slice(0, 2)),
      });
      const csvZip = await zipBuffer({ 'csv/full/storyline.csv': 'Date,Type,Name,Start,End,Duration\n' });
      const file = writeFile(
        dir,
        'nested.zip',
        await zipBuffer({ 'moves_export/csv.zip': csvZip, 'moves_export/json.zip': jsonZip }),
      );
      const before = leftoverTempDirs();

      const report = await importArchive(ctx, { ohMemberId, file });

      expect(report).toMatchObject({
        memberId,
        added: 15,
        replaced: 0,
        current: 0,
        weeks: 3,
        firstDay: '20160103',
        lastDay: '20160117',
        skipped: 0,
        covered: { firstDay: '20160103', lastDay: '20160117', days: 15 },
        syncQueued: true,
        movesConnected: false,
      });
      expect(report.source).toMatch(/json\/full\/storyline\.json in nested\.zip › moves_export\/json\.zip/);
      await expectAllWeeksImported(memberId);
      expect(await syncStatus(memberId)).toBe('queued');
      const events = await ctx.db
        .select({ kind: syncEvents.kind })
        .from(syncEvents)
        .where(eq(syncEvents.memberId, memberId));
      expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['archive_imported', 'queued']));
      expect(leftoverTempDirs()).toEqual(before);
    });

    it('refuses zips nested deeper than two (outer › moves_export.zip › json.zip) and stores nothing', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const jsonZip = await zipBuffer({ 'json/full/storyline.json': jackson(DAYS) });
      const exportZip = await zipBuffer({ 'moves_export/json.zip': jsonZip });
      const file = writeFile(dir, 'rezipped.zip', await zipBuffer({ 'moves_export.zip': exportZip }));
      const before = leftoverTempDirs();
      await expect(importArchive(ctx, { ohMemberId, file })).rejects.toThrow(
        /rezipped\.zip nests zips more than 2 deep \(rezipped\.zip › moves_export\.zip › moves_export\/json\.zip\)/,
      );
      expect(await weeksOf(memberId)).toEqual([]);
      expect(leftoverTempDirs()).toEqual(before);
    });

    it('reads an unzipped json folder inside the export zip (moves_export/json/json/full/...)', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const file = writeFile(
        dir,
        'folder.zip',
        await zipBuffer({
          'moves_export/json/json/full/storyline.json': jackson(DAYS),
          'moves_export/json/json/full/summary.json': jackson([]),
        }),
      );
      const report = await importArchive(ctx, { ohMemberId, file });
      expect(report).toMatchObject({ added: 15, weeks: 3, skipped: 0 });
      await expectAllWeeksImported(memberId);
    });

    it('reads json/ at the root of a zip (a json.zip given on its own)', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const file = writeFile(dir, 'json.zip', await zipBuffer({ 'json/full/storyline.json': jackson(DAYS) }));
      expect((await importArchive(ctx, { ohMemberId, file })).added).toBe(15);
      await expectAllWeeksImported(memberId);
    });

    it('falls back to the daily storyline files, in date order whatever the zip order', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const entries = Object.entries(dailyFiles('moves_export/json/', DATES)).reverse();
      const file = writeFile(
        dir,
        'daily.zip',
        await zipBuffer({
          ...Object.fromEntries(entries),
          // Other cuts of the same days are not storyline data.
          'moves_export/json/daily/places/places_20160105.json': jackson([
            { date: '20160105', segments: [] },
          ]),
        }),
      );
      const report = await importArchive(ctx, { ohMemberId, file });
      expect(report).toMatchObject({ added: 15, weeks: 3, skipped: 0 });
      expect(report.source).toMatch(/15 daily storyline files/);
      await expectAllWeeksImported(memberId);
    });

    it('uses weekly files when there are neither full nor daily ones', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const weekly = Object.fromEntries(
        WEEKS.map((w) => [`json/weekly/storyline/storyline_${w}.json`, jackson(daysOfWeek(w))]).reverse(),
      );
      const file = writeFile(dir, 'weekly.zip', await zipBuffer(weekly));
      expect((await importArchive(ctx, { ohMemberId, file })).added).toBe(15);
      await expectAllWeeksImported(memberId);
    });

    it('reads a bare storyline JSON array, keeping big integers and number spellings as written', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const text = jackson(DAYS)
        .replace('"id" : 1004,', '"id" : 123456789012345678901,')
        .replace(/"distance" : 1500,/g, '"distance" : 1500.0,');
      expect(text).toContain('123456789012345678901');
      const file = writeFile(dir, 'storyline.json', text);
      const report = await importArchive(ctx, { ohMemberId, file });
      expect(report).toMatchObject({ added: 15, weeks: 3, source: 'storyline.json' });
      const w01 = (await weeksOf(memberId)).find((r) => r.week === '2016-W01')!;
      expect(w01.daysJson).toContain('"place":{"id":123456789012345678901,');
      expect(w01.daysJson).toContain('"distance":1500.0,');
      expect(w01.daysJson).not.toMatch(/\n| : /);
    });
  });

  describe('broken archives', () => {
    it('refuses a truncated zip and stores nothing', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const whole = await zipBuffer({ 'json/full/storyline.json': jackson(DAYS) });
      const file = writeFile(dir, 'truncated.zip', whole.subarray(0, Math.floor(whole.length / 2)));
      const err = await importArchive(ctx, { ohMemberId, file }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArchiveError);
      expect((err as Error).message).toMatch(/not a readable zip archive .*truncated or damaged/);
      expect(await weeksOf(memberId)).toEqual([]);
      expect(await syncStatus(memberId)).toBeUndefined();
    });

    it('refuses a file that is neither a zip nor JSON, and an empty file', async () => {
      const { ohMemberId } = await createMember(ctx);
      const text = writeFile(dir, 'notes.txt', 'These are my Moves notes.\n');
      await expect(importArchive(ctx, { ohMemberId, file: text })).rejects.toThrow(
        /neither a zip archive nor a JSON storyline file/,
      );
      const empty = writeFile(dir, 'empty.json', '');
      await expect(importArchive(ctx, { ohMemberId, file: empty })).rejects.toThrow(/is empty/);
      await expect(importArchive(ctx, { ohMemberId, file: `${dir}/missing.zip` })).rejects.toThrow(
        /no such file/,
      );
    });

    it('stores nothing when storyline.json breaks off part-way, even after valid days', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const text = jackson(DAYS);
      const jsonZip = await zipBuffer({
        'json/full/storyline.json': text.slice(0, Math.floor(text.length * 0.7)),
      });
      const file = writeFile(dir, 'cut.zip', await zipBuffer({ 'moves_export/json.zip': jsonZip }));
      const before = leftoverTempDirs();
      const err = await importArchive(ctx, { ohMemberId, file }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArchiveError);
      expect((err as Error).message).toMatch(/json\/full\/storyline\.json: not valid JSON after \d+ items/);
      expect(await weeksOf(memberId)).toEqual([]);
      expect(await syncStatus(memberId)).toBeUndefined();
      expect(leftoverTempDirs()).toEqual(before);
    });

    it('refuses JSON that is not an array, as a bare file and inside a zip', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const obj = writeFile(dir, 'object.json', jackson({ date: '20160104', segments: [] }));
      await expect(importArchive(ctx, { ohMemberId, file: obj })).rejects.toThrow(
        /holds a JSON object, not a list of days/,
      );
      const file = writeFile(
        dir,
        'object.zip',
        await zipBuffer({ 'json/full/storyline.json': jackson({ storyline: DAYS }) }),
      );
      await expect(importArchive(ctx, { ohMemberId, file })).rejects.toThrow(
        /storyline\.json: the file is not a JSON array/,
      );
      expect(await weeksOf(memberId)).toEqual([]);
    });

    it('says so when the archive holds no storyline JSON', async () => {
      const { ohMemberId } = await createMember(ctx);
      const file = writeFile(
        dir,
        'csv-only.zip',
        await zipBuffer({
          'moves_export/csv.zip': await zipBuffer({ 'csv/full/storyline.csv': 'Date\n' }),
          'moves_export/gpx.zip': await zipBuffer({ 'gpx/full/places.gpx': '<gpx/>' }),
          'moves_export/json.zip': await zipBuffer({ 'json/full/places.json': '[ ]' }),
        }),
      );
      await expect(importArchive(ctx, { ohMemberId, file })).rejects.toThrow(
        /csv-only\.zip holds no Moves storyline in JSON\. It holds CSV, GPX files \(moves_export\/csv\.zip, moves_export\/gpx\.zip.*What is needed is the JSON part of the export: json\.zip/,
      );
    });

    it('skips and reports invalid day entries, importing the valid ones', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const entries: unknown[] = [
        DAYS[1],
        { date: '2016-01-05', segments: [] },
        42,
        { date: '20160231', segments: [] },
        { segments: [] },
        DAYS[9],
        { date: '20160106', segments: 'none' },
      ];
      const file = writeFile(
        dir,
        'mixed.zip',
        await zipBuffer({ 'json/full/storyline.json': jackson(entries) }),
      );
      const report = await importArchive(ctx, { ohMemberId, file });
      expect(report).toMatchObject({ added: 2, weeks: 2, skipped: 5, refusedDays: 1 });
      // An entry with a date is named by it; the others by file and item.
      const item = (i: number) => `json/full/storyline.json, item ${i}`;
      expect(report.skippedEntries.map((s) => s.where)).toEqual([
        item(2),
        item(3),
        '2016-02-31',
        item(5),
        '2016-01-06',
      ]);
      expect(report.skippedEntries[0]!.reason).toMatch(/yyyyMMdd/);
      expect(report.skippedEntries[2]!.reason).toMatch(/not a calendar date/);
      const rows = await weeksOf(memberId);
      expect(rows.map((r) => [r.week, r.daysJson])).toEqual([
        ['2016-W01', JSON.stringify([DAYS[1]])],
        ['2016-W02', JSON.stringify([DAYS[9]])],
      ]);
    });

    it('skips an unreadable daily file and imports the other days', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const files = dailyFiles('json/', DATES);
      files['json/daily/storyline/storyline_20160108.json'] = '[ {\n  "date" : "20160108",\n  "segm';
      const file = writeFile(dir, 'daily-broken.zip', await zipBuffer(files));
      const report = await importArchive(ctx, { ohMemberId, file });
      expect(report).toMatchObject({ added: 14, weeks: 3, skipped: 1 });
      expect(report.skippedEntries[0]).toMatchObject({
        where: 'json/daily/storyline/storyline_20160108.json',
        reason: expect.stringMatching(/not valid JSON/),
      });
      expect((await weeksOf(memberId)).map((r) => r.dayCount)).toEqual([1, 6, 7]);
    });
  });

  describe('weeks already stored', () => {
    // 2016-01-04 (in 2016-W01) is stored from Moves with a given lastUpdate; the archive holds all 15 days,
    // each with lastUpdate <date>T090000+0100.
    const storedDay = (lastUpdate: string) => ({ ...storylineDay('20160104', 77), lastUpdate });
    async function storeMovesDay(memberId: number, lastUpdate: string) {
      const daysJson = JSON.stringify([storedDay(lastUpdate)]);
      await ctx.weeks.save(memberId, {
        week: '2016-W01',
        daysJson,
        dates: ['20160104'],
        complete: true,
        source: 'moves',
      });
      return daysJson;
    }
    const archiveFile = async () =>
      writeFile(dir, 'merge.zip', await zipBuffer({ 'json/full/storyline.json': jackson(DAYS) }));

    it('keeps the stored copy of a day when the archive copy is older, and adds the other days', async () => {
      const { memberId, ohMemberId } = await createMember(ctx, { movesTimeZone: 'Europe/Berlin' });
      await storeMovesDay(memberId, '20180101T000000Z');
      const report = await importArchive(ctx, { ohMemberId, file: await archiveFile() });
      expect(report).toMatchObject({ added: 14, replaced: 0, current: 1, storedNewer: 1, weeks: 3 });
      const w01 = (await weeksOf(memberId)).find((r) => r.week === '2016-W01')!;
      const days = JSON.parse(w01.daysJson) as { date: string; lastUpdate: string }[];
      expect(days.map((d) => d.date)).toEqual(DATES.slice(1, 8));
      expect(days[0]).toEqual(storedDay('20180101T000000Z'));
      expect(w01.complete).toBe(true);
    });

    it('replaces the stored copy of a day when the archive copy is newer', async () => {
      const { memberId, ohMemberId } = await createMember(ctx, { movesTimeZone: 'Europe/Berlin' });
      // 07:59:59Z is one second before the archive's 09:00:00+0100.
      await storeMovesDay(memberId, '20160104T075959Z');
      const report = await importArchive(ctx, { ohMemberId, file: await archiveFile() });
      expect(report).toMatchObject({ added: 14, replaced: 1, current: 0, weeks: 3 });
      await expectAllWeeksImported(memberId);
    });

    it('keeps disjoint stored days, and a second import of the same archive changes nothing', async () => {
      const { memberId, ohMemberId } = await createMember(ctx);
      const other = JSON.stringify([storylineDay('20150601')]);
      await ctx.weeks.save(memberId, {
        week: '2015-W23',
        daysJson: other,
        dates: ['20150601'],
        complete: true,
        source: 'moves',
      });
      const file = await archiveFile();
      const first = await importArchive(ctx, { ohMemberId, file });
      expect(first).toMatchObject({
        added: 15,
        weeks: 3,
        syncQueued: true,
        covered: { firstDay: '20150601', lastDay: '20160117', days: 16 },
      });
      const after = await weeksOf(memberId);
      expect(after[0]).toMatchObject({ week: '2015-W23', daysJson: other, source: 'moves' });

      const second = await importArchive(ctx, { ohMemberId, file });
      expect(second).toMatchObject({ added: 0, replaced: 0, current: 15, storedNewer: 0, weeks: 0 });
      expect(second.syncQueued).toBe(false);
      expect(await weeksOf(memberId)).toEqual(after);
    });

    it('refuses an unknown member before reading anything', async () => {
      const file = writeFile(dir, 'any.json', jackson(DAYS));
      await expect(importArchive(ctx, { ohMemberId: '99999999', file })).rejects.toThrow(UnknownMemberError);
      await expect(importArchive(ctx, { ohMemberId: '99999999', file })).rejects.toThrow(
        /no member with Open Humans project member id 99999999/,
      );
    });
  });
});
