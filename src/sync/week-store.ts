// Stored weeks: one row per (member, ISO week) holding that week's days as the raw JSON array Moves sent.
import { and, asc, eq, gt, gte, inArray, lte, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { storedWeeks } from '../db/schema.ts';
import { weekOf } from '../moves/weeks.ts';
import type { StoredWeekInfo } from './plan.ts';

export type WeekSource = 'moves' | 'openhumans' | 'archive';

export interface WeekToStore {
  week: string;
  daysJson: string;
  dates: string[];
  complete: boolean;
  source: WeekSource;
}

export async function listStoredWeeks(ctx: AppContext, memberId: number): Promise<StoredWeekInfo[]> {
  return ctx.db
    .select({ week: storedWeeks.week, complete: storedWeeks.complete })
    .from(storedWeeks)
    .where(eq(storedWeeks.memberId, memberId))
    .orderBy(asc(storedWeeks.week));
}

/**
 * Stores (or replaces) a week. Returns true when its days differ from what was stored before. One statement:
 * the week's text (~100 kB with track points) crosses to the database once, and the comparison with the old
 * copy happens there (this is the backfill's hot path).
 */
export async function saveWeek(ctx: AppContext, memberId: number, w: WeekToStore): Promise<boolean> {
  // Through ctx.db (not the raw connection), so a caller's transaction (an archive import) includes it.
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
  return r?.same !== true;
}

/** Edited days make their weeks stale: the plan fetches every week that is not complete. */
export async function markWeeksStale(ctx: AppContext, memberId: number, weeks: string[]): Promise<void> {
  if (weeks.length === 0) return;
  await ctx.db
    .update(storedWeeks)
    .set({ complete: false })
    .where(and(eq(storedWeeks.memberId, memberId), inArray(storedWeeks.week, weeks)));
}

export interface StoredRange {
  firstDay: string | null;
  lastDay: string | null;
  dayCount: number;
  weeks: number;
  /** Sum of the weeks' JSON sizes: about the size of the published file. */
  bytes: number;
}

export async function storedRange(ctx: AppContext, memberId: number): Promise<StoredRange> {
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
    ? { ...r, bytes: Number(r.bytes) }
    : { firstDay: null, lastDay: null, dayCount: 0, weeks: 0, bytes: 0 };
}

/** How many weeks are read per query while streaming: bounds memory to a few weeks of track points. */
export const WEEK_BATCH = 4;

/** Every stored week's raw days, oldest first, read in small batches (keyset pagination on the week id). */
export async function* streamWeekArrays(ctx: AppContext, memberId: number): AsyncGenerator<string> {
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
}

/**
 * The stored day objects dated from `from` to `to` (yyyyMMdd, both included), oldest first, read a few weeks
 * at a time: a download of years of track points never holds more than WEEK_BATCH weeks. A week whose text does
 * not parse is skipped (the sync validates every week before storing it).
 */
export async function* streamStoredDays(
  ctx: AppContext,
  memberId: number,
  from: string,
  to: string,
): AsyncGenerator<unknown> {
  const lastWeek = weekOf(to);
  let lower = gte(storedWeeks.week, weekOf(from));
  for (;;) {
    const rows = await ctx.db
      .select({ week: storedWeeks.week, daysJson: storedWeeks.daysJson })
      .from(storedWeeks)
      .where(and(eq(storedWeeks.memberId, memberId), lower, lte(storedWeeks.week, lastWeek)))
      .orderBy(asc(storedWeeks.week))
      .limit(WEEK_BATCH);
    for (const r of rows) {
      let days: unknown;
      try {
        days = JSON.parse(r.daysJson);
      } catch {
        continue;
      }
      if (!Array.isArray(days)) continue;
      const inRange = (days as unknown[]).filter((d) => {
        const date = (d as { date?: unknown } | null)?.date;
        return typeof date === 'string' && date >= from && date <= to;
      });
      inRange.sort((a, b) => ((a as { date: string }).date < (b as { date: string }).date ? -1 : 1));
      yield* inRange;
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < WEEK_BATCH) return;
    lower = gt(storedWeeks.week, last.week);
  }
}
