// How a week is kept: its text gzip-compressed by the app (the database stores it as is) with each day's step
// totals beside it; rows stored as plain text before migration 0007 still read back, get their step totals
// from the migration, and are compressed when next saved.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { dayStepTotals, dayStepTotalsOfText } from '../../src/storyline/day-steps.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { insertMember } from '../web/support.ts';

const MIGRATION = fs.readFileSync(path.join(MIGRATIONS_FOLDER, '0007_week_text_compressed.sql'), 'utf8');

/** What 0007 adds, taken away again: the table as it was before the migration. */
const BEFORE_0007 = `
  alter table stored_weeks drop constraint stored_weeks_days_present;
  alter table stored_weeks drop column days_gz;
  alter table stored_weeks drop column day_steps;
  alter table stored_weeks alter column days_json set not null;`;

// Every kind of day the calendar meets: steps in several summary entries (one fractional, one not a number),
// a day without data, a day with segments only, and elements that are not days.
const WEEK_TEXT = JSON.stringify([
  {
    date: '20160613',
    summary: [
      { activity: 'walking', steps: 1000 },
      { activity: 'running', steps: 234.5 },
      { activity: 'cycling', steps: '7' },
      { activity: 'transport' },
    ],
    segments: [{ type: 'place' }],
  },
  { date: '20160614', summary: null, segments: null },
  { date: '20160615', summary: [], segments: [{ type: 'move' }] },
  { date: '2016-06-16', summary: [{ steps: 5 }] },
  5,
  null,
  ['20160617'],
  { date: '20160618', summary: [{ steps: 12 }], lastUpdate: '20160619T010203Z' },
]);

const EXPECTED_STEPS = [
  ['20160613', 1235, true],
  ['20160614', 0, false],
  ['20160615', 0, true],
  ['20160618', 12, true],
];

describe('day step totals', () => {
  it('sum the numeric steps of each day object with a Moves date, rounding halves away from zero', () => {
    expect(dayStepTotalsOfText(WEEK_TEXT)).toEqual(EXPECTED_STEPS);
    expect(dayStepTotals([{ date: '20160101', summary: [{ steps: -2.5 }] }])).toEqual([
      ['20160101', -3, true],
    ]);
    // Steps of the wrong type or out of range are ignored; the day's other steps still count.
    expect(
      dayStepTotalsOfText(
        '[{"date":"20160101","summary":[{"steps":1e400},{"steps":"5"},{"steps":null},{"steps":7}]}]',
      ),
    ).toEqual([['20160101', 7, true]]);
  });

  it('are empty for text that is not a JSON array', () => {
    expect(dayStepTotalsOfText('{"date":"20160101"}')).toEqual([]);
    expect(dayStepTotalsOfText('[{"date":"20160101",')).toEqual([]);
  });
});

describe.each(storeKinds())('the week store on %s', (store) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ store });
  });
  afterAll(async () => ctx?.close());

  const save = (memberId: number, daysJson: string) =>
    ctx.weeks.save(memberId, {
      week: '2016-W24',
      daysJson,
      dates: ['20160613', '20160614', '20160615', '20160618'],
      complete: true,
      source: 'moves',
    });

  async function row(memberId: number) {
    const { rows } = await ctx.database.sql.query<{
      days_json: string | null;
      gz: string | null;
      day_steps: unknown;
    }>(
      `select days_json, encode(days_gz, 'base64') as gz, day_steps from stored_weeks where member_id = $1`,
      [memberId],
    );
    return rows[0]!;
  }

  it('keeps the text gzip-compressed, gives it back byte for byte, and says whether it changed', async () => {
    const m = await insertMember(ctx);
    expect(await save(m.id, WEEK_TEXT)).toBe(true);
    const stored = await row(m.id);
    expect(stored.days_json).toBeNull();
    const gz = Buffer.from(stored.gz!, 'base64');
    expect(gz.length).toBeLessThan(Buffer.byteLength(WEEK_TEXT));
    expect(gunzipSync(gz).toString('utf8')).toBe(WEEK_TEXT);
    expect(await ctx.weeks.daysOf(m.id, '2016-W24')).toBe(WEEK_TEXT);
    expect(await ctx.weeks.newest(m.id, 3)).toEqual([WEEK_TEXT]);
    const streamed: string[] = [];
    for await (const text of ctx.weeks.stream(m.id)) streamed.push(text.toString());
    expect(streamed).toEqual([WEEK_TEXT]);
    expect(await save(m.id, WEEK_TEXT)).toBe(false);
    const edited = WEEK_TEXT.replace('"steps":12', '"steps":13');
    expect(await save(m.id, edited)).toBe(true);
    expect(await ctx.weeks.daysOf(m.id, '2016-W24')).toBe(edited);
  });

  it('keeps each day’s steps beside the week: from the caller’s parsed days, or read from the text', async () => {
    const m = await insertMember(ctx);
    await save(m.id, WEEK_TEXT);
    expect(await ctx.weeks.stepsPerDay(m.id)).toEqual(
      EXPECTED_STEPS.map(([date, steps, hasData]) => ({ date, steps, hasData })),
    );
    await ctx.weeks.save(m.id, {
      week: '2016-W25',
      daysJson: '[]',
      dates: [],
      complete: true,
      source: 'moves',
      daySteps: [['20160620', 77, true]],
    });
    expect((await ctx.weeks.stepsPerDay(m.id)).find((d) => d.date === '20160620')).toEqual({
      date: '20160620',
      steps: 77,
      hasData: true,
    });
  });

  it('writes the week’s day summaries with it: from the caller’s parsed days, or from the text', async () => {
    const m = await insertMember(ctx);
    await save(m.id, WEEK_TEXT);
    const fromText = await ctx.insights.totals(m.id);
    expect(fromText.map((d) => d.date)).toEqual(['20160613', '20160614', '20160615', '20160618']);
    // A Moves fetch passes the days it parsed: those are summarised, the text is not parsed again.
    await ctx.weeks.save(m.id, {
      week: '2016-W24',
      daysJson: WEEK_TEXT,
      dates: ['20160613'],
      complete: true,
      source: 'moves',
      days: [{ date: '20160613', summary: [{ group: 'walking', steps: 5 }] }],
    });
    const fromDays = await ctx.insights.totals(m.id);
    expect(fromDays.map((d) => [d.date, d.groups.walking?.steps])).toEqual([['20160613', 5]]);
  });

  it('migration 0007: a week stored as text reads back, gets the same step totals, and is compressed when saved', async () => {
    // A database of its own, taken back to the table before 0007, with rows as the old code wrote them.
    const old = await createTestContext({ store });
    try {
      const q = old.database.sql;
      await q.exec(BEFORE_0007);
      const m = await insertMember(old);
      const other = await insertMember(old);
      await q.query(
        `insert into stored_weeks (member_id, week, days_json, day_count, bytes, complete)
         values ($1, '2016-W24', $2, 4, 1, true), ($3, '2016-W24', '[{"date":', 0, 1, true)`,
        [m.id, WEEK_TEXT, other.id],
      );
      await q.exec(MIGRATION);
      // The migration's sums in SQL agree with the ones the app computes for new weeks.
      expect(await old.weeks.stepsPerDay(m.id)).toEqual(
        dayStepTotalsOfText(WEEK_TEXT).map(([date, steps, hasData]) => ({ date, steps, hasData })),
      );
      expect(await old.weeks.stepsPerDay(other.id)).toEqual([]);
      expect(await old.weeks.daysOf(m.id, '2016-W24')).toBe(WEEK_TEXT);
      // Saved again unchanged: counted as changed once (its stored form differs), then stored compressed.
      expect(
        await old.weeks.save(m.id, {
          week: '2016-W24',
          daysJson: WEEK_TEXT,
          dates: ['20160613'],
          complete: true,
          source: 'moves',
        }),
      ).toBe(true);
      const { rows } = await q.query<{ days_json: string | null; has_gz: boolean }>(
        `select days_json, days_gz is not null as has_gz from stored_weeks where member_id = $1`,
        [m.id],
      );
      expect(rows).toEqual([{ days_json: null, has_gz: true }]);
      expect(await old.weeks.daysOf(m.id, '2016-W24')).toBe(WEEK_TEXT);
      // A row must hold its days one way or the other.
      await expect(
        q.query(`update stored_weeks set days_gz = null where member_id = $1`, [m.id]),
      ).rejects.toThrow(/stored_weeks_days_present/);
    } finally {
      await old.close();
    }
  });
});
