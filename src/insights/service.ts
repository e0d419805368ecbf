// The insights service: owns `week_insights`, one row per stored week with the summaries of its days
// (day-summary.ts). The week store writes a week's row in the same statement as the week; weeks stored before
// this table existed (or summed by an older SUMMARY_VERSION) are filled from the week store on the member's
// next visit to a history page (`fill`), so the SQL migration never has to parse week text.
import { asc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { weekInsights } from '../db/schema.ts';
import { summarizeWeekText, type DaySummary } from './day-summary.ts';

/** Raise when what a summary holds changes: rows of older versions are computed again by `fill`. */
export const SUMMARY_VERSION = 1;

export type DayTotals = Pick<DaySummary, 'date' | 'hasData' | 'groups' | 'moves' | 'countries'>;
export type DayVisits = Pick<DaySummary, 'date' | 'visits' | 'spots' | 'flights'>;
export type DayCells = Pick<DaySummary, 'date' | 'cells'>;

export interface InsightsService {
  /**
   * The statement that replaces a stored week's summaries, for the week store to run as a part (a CTE) of the
   * week's own insert: one statement, no transaction. The summaries travel as one JSON parameter.
   */
  saveWeekStatement(memberId: number, week: string, days: DaySummary[]): SQL;
  /** Summarises the stored weeks that have no current summaries; how many weeks it did. */
  fill(memberId: number): Promise<number>;
  /**
   * Every day's totals, oldest first: what every history page reads, kept in this process while the member's
   * rows stay as they are (checked on each call with one small query).
   */
  totals(memberId: number): Promise<DayTotals[]>;
  /** Every day's places, squares reached and flights, oldest first. */
  visits(memberId: number): Promise<DayVisits[]>;
  /** Every day's grid-cell counts, oldest first. */
  cells(memberId: number): Promise<DayCells[]>;
}

function rows(days: DaySummary[]) {
  return {
    totals: days.map(({ date, hasData, groups, moves, countries }) => ({
      date,
      hasData,
      groups,
      moves,
      countries,
    })),
    visits: days.map(({ date, visits, spots, flights }) => ({ date, visits, spots, flights })),
    cells: days.map(({ date, cells }) => ({ date, cells })),
  };
}

/** Members this process knows to have every week summarised (fill), at most this many. */
const FILLED_MEMBERS = 10_000;
const filledMembers = new WeakMap<object, Set<number>>();

/** The members filled in this context's process (a transaction's context keeps its own, briefly). */
function filledIn(ctx: AppContext): Set<number> {
  let set = filledMembers.get(ctx.memberViews);
  if (!set) filledMembers.set(ctx.memberViews, (set = new Set()));
  return set;
}

/** Members whose day totals this process keeps; the least recently read goes first. */
const KEPT_MEMBERS = 50;

/** The day totals read last per member, with the signature of the rows they came from. Shared by contexts. */
const kept = new WeakMap<object, Map<number, { signature: string; days: DayTotals[] }>>();

export function createInsightsService(ctx: AppContext): InsightsService {
  /** Writes a week's row for `fill`: never replaces a row a save wrote meanwhile. */
  async function fillWeek(memberId: number, week: string, days: DaySummary[]) {
    const values = {
      memberId,
      week,
      version: SUMMARY_VERSION,
      ...rows(days),
      savedAt: sql`clock_timestamp()`,
    };
    await ctx.db
      .insert(weekInsights)
      .values(values)
      .onConflictDoUpdate({
        target: [weekInsights.memberId, weekInsights.week],
        set: {
          version: values.version,
          totals: values.totals,
          visits: values.visits,
          cells: values.cells,
          savedAt: sql`clock_timestamp()`,
        },
        setWhere: lt(weekInsights.version, SUMMARY_VERSION),
      });
  }

  const column =
    <T>(name: 'totals' | 'visits' | 'cells') =>
    async (memberId: number) => {
      const found = await ctx.db
        .select({ days: weekInsights[name] })
        .from(weekInsights)
        .where(eq(weekInsights.memberId, memberId))
        .orderBy(asc(weekInsights.week));
      return found.flatMap((r) => r.days as T[]);
    };

  const readTotals = column<DayTotals>('totals');

  /** Summarises the member's stored weeks that have no current summaries. */
  async function fillWeeks(memberId: number): Promise<number> {
    const [stored, current] = await Promise.all([
      ctx.weeks.list(memberId),
      ctx.db
        .select({ week: weekInsights.week, version: weekInsights.version })
        .from(weekInsights)
        .where(eq(weekInsights.memberId, memberId)),
    ]);
    const done = new Set(current.filter((r) => r.version === SUMMARY_VERSION).map((r) => r.week));
    let filled = 0;
    for (const { week } of stored) {
      if (done.has(week)) continue;
      const text = await ctx.weeks.daysOf(memberId, week);
      if (text === undefined) continue; // removed meanwhile
      await fillWeek(memberId, week, summarizeWeekText(text)).catch((err: unknown) => {
        // A week removed between the read and the write (a reset) has nothing to summarise.
        if (!isForeignKeyViolation(err)) throw err;
      });
      filled++;
    }
    return filled;
  }

  return {
    saveWeekStatement(memberId, week, days) {
      const { totals, visits, cells } = rows(days);
      // Built by hand, not by drizzle's insert: three jsonb parameters cost more to send and to bind than one.
      return sql`insert into ${weekInsights} (member_id, week, version, totals, visits, cells, saved_at)
        select ${memberId}::bigint, ${week}::text, ${SUMMARY_VERSION}::int, s->'t', s->'v', s->'c', clock_timestamp()
        from (select ${JSON.stringify({ t: totals, v: visits, c: cells })}::jsonb as s) p
        on conflict (member_id, week) do update set version = excluded.version, totals = excluded.totals,
          visits = excluded.visits, cells = excluded.cells, saved_at = excluded.saved_at`;
    },

    async fill(memberId) {
      // Every week saved since migration 0008 writes its summaries: once a member's weeks are all summarised,
      // only a new SUMMARY_VERSION (a new release, a new process) can leave some behind.
      const done = filledIn(ctx);
      if (done.has(memberId)) return 0;
      const filled = await fillWeeks(memberId);
      if (filled > 0) ctx.memberViews.changed(memberId);
      if (done.size >= FILLED_MEMBERS) done.clear();
      done.add(memberId);
      return filled;
    },

    async totals(memberId) {
      // Any write changes the count or the sum of the rows' times (clock_timestamp, so even within one
      // transaction), whichever process made it. The signature is a member view: a write in this process is seen
      // at once, another process's within MEMBER_VIEW_MAX_AGE_MS, and concurrent requests share one query.
      const signature = await ctx.memberViews.get(memberId, 'insights-signature', async () => {
        const [sig] = await ctx.db
          .select({
            signature: sql<string>`count(*) || ':' || coalesce(sum(extract(epoch from ${weekInsights.savedAt})), 0)`,
          })
          .from(weekInsights)
          .where(eq(weekInsights.memberId, memberId));
        return sig?.signature ?? '';
      });
      let byMember = kept.get(ctx.memberViews);
      if (!byMember) kept.set(ctx.memberViews, (byMember = new Map()));
      const hit = byMember.get(memberId);
      byMember.delete(memberId);
      if (hit?.signature === signature) {
        byMember.set(memberId, hit);
        return hit.days;
      }
      const days = await readTotals(memberId);
      byMember.set(memberId, { signature, days });
      if (byMember.size > KEPT_MEMBERS) byMember.delete(byMember.keys().next().value!);
      return days;
    },
    visits: column<DayVisits>('visits'),
    cells: column<DayCells>('cells'),
  };
}

function isForeignKeyViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause)
    if ((e as { code?: unknown }).code === '23503') return true;
  return false;
}
