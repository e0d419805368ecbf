// The week store: owns `stored_weeks`, one row per (member, ISO week) holding that week's days as the raw JSON
// array Moves sent. Nothing else writes (or queries) the table.
import { and, asc, desc, eq, gt, gte, inArray, lte, ne, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { storedWeeks, type WeekSource } from '../db/schema.ts';
import { weekOf } from '../moves/weeks.ts';
import type { StoredWeekInfo } from './plan.ts';

export type { WeekSource };

export interface WeekToStore {
  week: string;
  daysJson: string;
  dates: string[];
  complete: boolean;
  source: WeekSource;
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

/** How many weeks are read per query while streaming: bounds memory to a few weeks of track points. */
export const WEEK_BATCH = 4;

export interface WeekStore {
  list(memberId: number): Promise<StoredWeekInfo[]>;
  /** Stores (or replaces) a week; true when its days differ from what was stored before. */
  save(memberId: number, w: WeekToStore): Promise<boolean>;
  /** Edited days make their weeks stale: the plan fetches every week that is not complete. */
  markStale(memberId: number, weeks: string[]): Promise<void>;
  range(memberId: number): Promise<StoredRange>;
  /** Every stored week's raw days, oldest first, read in small batches. */
  stream(memberId: number): AsyncGenerator<string>;
  /**
   * The stored day objects dated from `from` to `to` (yyyyMMdd, both included), oldest first, read a few weeks
   * at a time: a download of years of track points never holds more than WEEK_BATCH weeks. A week whose text
   * does not parse is skipped (the sync validates every week before storing it).
   */
  streamDays(memberId: number, from: string, to: string): AsyncGenerator<unknown>;
  /** One week's raw days, if stored. */
  daysOf(memberId: number, week: string): Promise<string | undefined>;
  /** The newest `limit` weeks' raw days, newest first. */
  newest(memberId: number, limit: number): Promise<string[]>;
  /** Weeks that did not come from an export archive (an archive import never replaces them). */
  notFromArchive(memberId: number): Promise<Set<string>>;
  /** Step totals per day, summed inside the database so track points never leave it. */
  stepsPerDay(memberId: number): Promise<DayStepTotal[]>;
  /** Removes the weeks from one source (a failed seed) or all of them; how many weeks and days went. */
  remove(memberId: number, source?: WeekSource): Promise<{ weeks: number; days: number }>;
}

const STEPS_PER_DAY_SQL = `
select d->>'date' as date,
  coalesce((select sum(case when jsonb_typeof(s->'steps') = 'number' then (s->>'steps')::numeric else 0 end)
            from jsonb_array_elements(case when jsonb_typeof(d->'summary') = 'array' then d->'summary' else '[]'::jsonb end) s), 0)::bigint as steps,
  ((jsonb_typeof(d->'segments') = 'array' and jsonb_array_length(d->'segments') > 0)
    or (jsonb_typeof(d->'summary') = 'array' and jsonb_array_length(d->'summary') > 0)) as has_data
from stored_weeks w, jsonb_array_elements(case when jsonb_typeof(w.days_json::jsonb) = 'array' then w.days_json::jsonb else '[]'::jsonb end) d
where w.member_id = $1 and jsonb_typeof(d) = 'object' and d->>'date' ~ '^\\d{8}$'`;

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

    save: (memberId, w) => saveWeek(ctx, memberId, w),

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
  return {
    async *stream(memberId) {
      let after = '';
      for (;;) {
        const rows = await ctx.db
          .select({ week: storedWeeks.week, daysJson: storedWeeks.daysJson })
          .from(storedWeeks)
          .where(and(eq(storedWeeks.memberId, memberId), gt(storedWeeks.week, after)))
          .orderBy(asc(storedWeeks.week))
          .limit(WEEK_BATCH);
        for (const r of rows) yield r.daysJson;
        const last = rows[rows.length - 1];
        if (!last || rows.length < WEEK_BATCH) return;
        after = last.week;
      }
    },

    async *streamDays(memberId, from, to) {
      const lastWeek = weekOf(to);
      let lower = gte(storedWeeks.week, weekOf(from));
      for (;;) {
        const rows = await ctx.db
          .select({ week: storedWeeks.week, daysJson: storedWeeks.daysJson })
          .from(storedWeeks)
          .where(and(eq(storedWeeks.memberId, memberId), lower, lte(storedWeeks.week, lastWeek)))
          .orderBy(asc(storedWeeks.week))
          .limit(WEEK_BATCH);
        for (const r of rows) yield* daysInRange(r.daysJson, from, to);
        const last = rows[rows.length - 1];
        if (!last || rows.length < WEEK_BATCH) return;
        lower = gt(storedWeeks.week, last.week);
      }
    },

    async daysOf(memberId, week) {
      const [row] = await ctx.db
        .select({ daysJson: storedWeeks.daysJson })
        .from(storedWeeks)
        .where(and(eq(storedWeeks.memberId, memberId), eq(storedWeeks.week, week)));
      return row?.daysJson;
    },

    async newest(memberId, limit) {
      const rows = await ctx.db
        .select({ daysJson: storedWeeks.daysJson })
        .from(storedWeeks)
        .where(eq(storedWeeks.memberId, memberId))
        .orderBy(desc(storedWeeks.week))
        .limit(limit);
      return rows.map((r) => r.daysJson);
    },

    async stepsPerDay(memberId) {
      const { rows } = await ctx.database.sql.query<{
        date: string;
        steps: string | number;
        has_data: boolean;
      }>(STEPS_PER_DAY_SQL, [memberId]);
      return rows.map((r) => ({ date: r.date, steps: Number(r.steps), hasData: r.has_data }));
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

/**
 * One statement: the week's text (~100 kB with track points) crosses to the database once, and the comparison
 * with the old copy happens there (this is the backfill's hot path). Through ctx.db (not the raw connection), so
 * a transaction's context (an archive import) includes it.
 */
async function saveWeek(ctx: AppContext, memberId: number, w: WeekToStore): Promise<boolean> {
  const row = {
    memberId,
    week: w.week,
    daysJson: w.daysJson,
    dayCount: w.dates.length,
    firstDay: w.dates[0] ?? null,
    lastDay: w.dates[w.dates.length - 1] ?? null,
    bytes: Buffer.byteLength(w.daysJson),
    complete: w.complete,
    source: w.source,
    fetchedAt: ctx.clock.date(),
  };
  const old = ctx.db.$with('old').as(
    ctx.db
      .select({ same: sql<boolean>`${storedWeeks.daysJson} = ${w.daysJson}`.as('same') })
      .from(storedWeeks)
      .where(and(eq(storedWeeks.memberId, memberId), eq(storedWeeks.week, w.week))),
  );
  const [r] = await ctx.db
    .with(old)
    .insert(storedWeeks)
    .values(row)
    .onConflictDoUpdate({
      target: [storedWeeks.memberId, storedWeeks.week],
      set: {
        daysJson: sql`excluded.days_json`,
        dayCount: sql`excluded.day_count`,
        firstDay: sql`excluded.first_day`,
        lastDay: sql`excluded.last_day`,
        bytes: sql`excluded.bytes`,
        complete: sql`excluded.complete`,
        source: sql`excluded.source`,
        fetchedAt: sql`excluded.fetched_at`,
      },
    })
    .returning({ same: sql<boolean | null>`(select same from ${old})` });
  ctx.memberViews.changed(memberId);
  return r?.same !== true;
}
