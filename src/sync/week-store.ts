// The week store: owns `stored_weeks`, one row per (member, ISO week) holding that week's days as the raw JSON
// array Moves sent (compressed, week-compression.ts) and each day's step total. Nothing else writes (or queries)
// the table.
import { and, asc, desc, eq, gt, gte, inArray, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { storedWeeks, type WeekSource } from '../db/schema.ts';
import { weekOf } from '../moves/weeks.ts';
import { summarizeDays } from '../insights/day-summary.ts';
import { dayStepTotals, type DayStepsEntry } from '../storyline/day-steps.ts';
import type { StoredWeekInfo } from './plan.ts';
import { compressWeek, decompressWeek } from './week-compression.ts';

export type { WeekSource };

export interface WeekToStore {
  week: string;
  daysJson: string;
  dates: string[];
  complete: boolean;
  source: WeekSource;
  /** The days' step totals, when the caller has the days parsed already; else they are read from daysJson. */
  daySteps?: DayStepsEntry[];
  /** The day objects of daysJson, when the caller has parsed them already (for steps and summaries). */
  days?: unknown[];
}

export interface StoredRange {
  firstDay: string | null;
  lastDay: string | null;
  dayCount: number;
  weeks: number;
  /** Sum of the weeks' JSON sizes: about the size of the published file. */
  bytes: number;
}

/** One day's step total and whether it has any data, for the history calendar. */
export interface DayStepTotal {
  date: string;
  steps: number;
  hasData: boolean;
}

/** How many weeks are read per query while streaming (and one batch ahead): bounds memory to a few weeks. */
export const WEEK_BATCH = 4;

export interface WeekStore {
  list(memberId: number): Promise<StoredWeekInfo[]>;
  /**
   * Stores (or replaces) a week, and its day summaries (ctx.insights) in the same statement; true when its days
   * differ from what was stored before.
   */
  save(memberId: number, w: WeekToStore): Promise<boolean>;
  /** Edited days make their weeks stale: the plan fetches every week that is not complete. */
  markStale(memberId: number, weeks: string[]): Promise<void>;
  range(memberId: number): Promise<StoredRange>;
  /** Every stored week's raw days as UTF-8 bytes, oldest first, read in small batches (the next while one is used). */
  stream(memberId: number): AsyncGenerator<Buffer>;
  /**
   * The stored day objects dated from `from` to `to` (yyyyMMdd, both included), oldest first, read a few weeks
   * at a time: a download of years of track points never holds more than 2 × WEEK_BATCH weeks. A week whose text
   * does not parse is skipped (the sync validates every week before storing it).
   */
  streamDays(memberId: number, from: string, to: string): AsyncGenerator<unknown>;
  /** One week's raw days, if stored. */
  daysOf(memberId: number, week: string): Promise<string | undefined>;
  /** The newest `limit` weeks' raw days, newest first. */
  newest(memberId: number, limit: number): Promise<string[]>;
  /** Weeks that did not come from an export archive (an archive import never replaces them). */
  notFromArchive(memberId: number): Promise<Set<string>>;
  /** Step totals per day, as stored beside each week: no week's days are read. */
  stepsPerDay(memberId: number): Promise<DayStepTotal[]>;
  /** Removes the weeks from one source (a failed seed) or all of them; how many weeks and days went. */
  remove(memberId: number, source?: WeekSource): Promise<{ weeks: number; days: number }>;
}

/**
 * A week's text as selected: the compressed copy (base64, which both drivers pass as plain text) or, in a row
 * stored before migration 0007, the text itself.
 */
const weekText = {
  daysGz: sql<string | null>`encode(${storedWeeks.daysGz}, 'base64')`,
  daysJson: storedWeeks.daysJson,
};

type WeekTextRow = { daysGz: string | null; daysJson: string | null };

function bytesOf(row: WeekTextRow): Buffer {
  if (row.daysGz !== null) return decompressWeek(Buffer.from(row.daysGz, 'base64'));
  return Buffer.from(row.daysJson ?? '[]');
}

const textOf = (row: WeekTextRow) => bytesOf(row).toString('utf8');

export function createWeekStore(ctx: AppContext): WeekStore {
  return { ...weekRows(ctx), ...weekContents(ctx) };
}

/** The stored weeks as rows: which there are, their totals, and the writes. */
function weekRows(
  ctx: AppContext,
): Pick<WeekStore, 'list' | 'save' | 'markStale' | 'range' | 'notFromArchive' | 'remove'> {
  return {
    async list(memberId) {
      return ctx.db
        .select({ week: storedWeeks.week, complete: storedWeeks.complete })
        .from(storedWeeks)
        .where(eq(storedWeeks.memberId, memberId))
        .orderBy(asc(storedWeeks.week));
    },

    async save(memberId, w) {
      // The week's text is parsed at most once here, and not at all when the caller passed its days.
      let days = w.days;
      const parsed = () => (days ??= parsedDays(w.daysJson));
      const steps = w.daySteps ?? dayStepTotals(parsed());
      const summaries = ctx.weekSummaries
        ? ctx.insights.saveWeekStatement(memberId, w.week, summarizeDays(parsed()))
        : undefined;
      return saveWeek(ctx, memberId, w, steps, summaries);
    },

    async markStale(memberId, weeks) {
      if (weeks.length === 0) return;
      await ctx.db
        .update(storedWeeks)
        .set({ complete: false })
        .where(and(eq(storedWeeks.memberId, memberId), inArray(storedWeeks.week, weeks)));
      ctx.memberViews.changed(memberId);
    },

    async range(memberId) {
      const [r] = await ctx.db
        .select({
          firstDay: sql<string | null>`min(${storedWeeks.firstDay})`,
          lastDay: sql<string | null>`max(${storedWeeks.lastDay})`,
          dayCount: sql<number>`coalesce(sum(${storedWeeks.dayCount}), 0)::int`,
          weeks: sql<number>`count(*)::int`,
          bytes: sql<number>`coalesce(sum(${storedWeeks.bytes}), 0)::bigint`,
        })
        .from(storedWeeks)
        .where(eq(storedWeeks.memberId, memberId));
      return r
        ? { ...r, dayCount: Number(r.dayCount), weeks: Number(r.weeks), bytes: Number(r.bytes) }
        : { firstDay: null, lastDay: null, dayCount: 0, weeks: 0, bytes: 0 };
    },

    async notFromArchive(memberId) {
      const rows = await ctx.db
        .select({ week: storedWeeks.week })
        .from(storedWeeks)
        .where(and(eq(storedWeeks.memberId, memberId), ne(storedWeeks.source, 'archive')));
      return new Set(rows.map((r) => r.week));
    },

    async remove(memberId, source) {
      const rows = await ctx.db
        .delete(storedWeeks)
        .where(
          source
            ? and(eq(storedWeeks.memberId, memberId), eq(storedWeeks.source, source))
            : eq(storedWeeks.memberId, memberId),
        )
        .returning({ days: storedWeeks.dayCount });
      ctx.memberViews.changed(memberId);
      return { weeks: rows.length, days: rows.reduce((sum, r) => sum + r.days, 0) };
    },
  };
}

/** What the stored weeks hold: their days, streamed in batches, and the steps per day. */
function weekContents(
  ctx: AppContext,
): Pick<WeekStore, 'stream' | 'streamDays' | 'daysOf' | 'newest' | 'stepsPerDay'> {
  /**
   * The member's weeks from `from` to `to`, oldest first, WEEK_BATCH rows per query. The next batch is read
   * while the caller works on this one.
   */
  async function* batches(memberId: number, from: SQL | undefined, to?: SQL): AsyncGenerator<Buffer[]> {
    const read = async (lower: SQL | undefined) => {
      const rows = await ctx.db
        .select({ week: storedWeeks.week, ...weekText })
        .from(storedWeeks)
        .where(and(eq(storedWeeks.memberId, memberId), lower, to))
        .orderBy(asc(storedWeeks.week))
        .limit(WEEK_BATCH);
      return { rows, weeks: rows.map(bytesOf) };
    };
    const readAhead = (lower: SQL | undefined) => {
      const reading = read(lower);
      // Its failure is thrown where it is awaited; until then it must not count as unhandled.
      reading.catch(() => undefined);
      return reading;
    };
    let next = readAhead(from);
    try {
      for (;;) {
        const { rows, weeks } = await next;
        const last = rows[rows.length - 1];
        const more = last !== undefined && rows.length === WEEK_BATCH;
        if (more) next = readAhead(gt(storedWeeks.week, last.week));
        yield weeks;
        if (!more) return;
      }
    } finally {
      // A caller that stops early leaves a read ahead in flight: let it end before the generator does.
      await next.then(
        () => undefined,
        () => undefined,
      );
    }
  }

  return {
    async *stream(memberId) {
      for await (const weeks of batches(memberId, undefined)) yield* weeks;
    },

    async *streamDays(memberId, from, to) {
      const range = batches(memberId, gte(storedWeeks.week, weekOf(from)), lte(storedWeeks.week, weekOf(to)));
      for await (const weeks of range)
        for (const bytes of weeks) yield* daysInRange(bytes.toString(), from, to);
    },

    async daysOf(memberId, week) {
      const [row] = await ctx.db
        .select(weekText)
        .from(storedWeeks)
        .where(and(eq(storedWeeks.memberId, memberId), eq(storedWeeks.week, week)));
      return row && textOf(row);
    },

    async newest(memberId, limit) {
      const rows = await ctx.db
        .select(weekText)
        .from(storedWeeks)
        .where(eq(storedWeeks.memberId, memberId))
        .orderBy(desc(storedWeeks.week))
        .limit(limit);
      return rows.map(textOf);
    },

    async stepsPerDay(memberId) {
      const rows = await ctx.db
        .select({ daySteps: storedWeeks.daySteps })
        .from(storedWeeks)
        .where(eq(storedWeeks.memberId, memberId));
      return rows.flatMap((r) => r.daySteps.map(([date, steps, hasData]) => ({ date, steps, hasData })));
    },
  };
}

/** A stored week's days dated from `from` to `to`, sorted; none when its text does not parse. */
function daysInRange(daysJson: string, from: string, to: string): unknown[] {
  let days: unknown;
  try {
    days = JSON.parse(daysJson);
  } catch {
    return [];
  }
  if (!Array.isArray(days)) return [];
  const inRange = (days as unknown[]).filter((d) => {
    const date = (d as { date?: unknown } | null)?.date;
    return typeof date === 'string' && date >= from && date <= to;
  });
  return inRange.sort((a, b) => ((a as { date: string }).date < (b as { date: string }).date ? -1 : 1));
}

/** A week's day objects from its text; none when it does not parse. */
function parsedDays(daysJson: string): unknown[] {
  try {
    const days: unknown = JSON.parse(daysJson);
    return Array.isArray(days) ? days : [];
  } catch {
    return [];
  }
}

/**
 * One statement: the week's compressed text crosses to the database once (the new row is one CTE that both the
 * comparison and the insert read), and the comparison with the old copy happens there; the day summaries'
 * insert (ctx.insights) is a CTE of the same statement, so both are written or neither, without a transaction.
 * This is the backfill's and the import's hot path: compressing runs on the thread pool. Through ctx.db (not the
 * raw connection), so a transaction's context (an archive import) includes it.
 */
async function saveWeek(
  ctx: AppContext,
  memberId: number,
  w: WeekToStore,
  steps: DayStepsEntry[],
  summaries: SQL | undefined,
): Promise<boolean> {
  const gz = await compressWeek(w.daysJson);
  // Both drivers answer execute() with { rows }.
  const { rows } = (await ctx.db.execute(sql`
    with new_week as (
      select ${memberId}::bigint as member_id, ${w.week}::text as week,
        decode(${gz.toString('base64')}, 'base64') as days_gz, ${JSON.stringify(steps)}::jsonb as day_steps,
        ${w.dates.length}::int as day_count, ${w.dates[0] ?? null}::text as first_day,
        ${w.dates[w.dates.length - 1] ?? null}::text as last_day, ${Buffer.byteLength(w.daysJson)}::int as bytes,
        ${w.complete}::boolean as complete, ${w.source}::text as source,
        ${ctx.clock.date().toISOString()}::timestamptz as fetched_at
    ), old as (
      select s.days_gz = n.days_gz as same
      from ${storedWeeks} s join new_week n on s.member_id = n.member_id and s.week = n.week
    )${summaries ? sql`, summaries as (${summaries})` : sql``}
    insert into ${storedWeeks} (member_id, week, days_gz, days_json, day_steps, day_count, first_day, last_day,
      bytes, complete, source, fetched_at)
    select member_id, week, days_gz, null, day_steps, day_count, first_day, last_day, bytes, complete, source,
      fetched_at
    from new_week
    on conflict (member_id, week) do update set
      days_gz = excluded.days_gz, days_json = null, day_steps = excluded.day_steps,
      day_count = excluded.day_count, first_day = excluded.first_day, last_day = excluded.last_day,
      bytes = excluded.bytes, complete = excluded.complete, source = excluded.source,
      fetched_at = excluded.fetched_at
    returning (select same from old) as same`)) as unknown as { rows: { same: boolean | null }[] };
  const r = rows[0];
  ctx.memberViews.changed(memberId);
  return r?.same !== true;
}
