// Reads of one member's rows for the pages: Moves account, sync state, events, published files.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members, movesAccounts, publishedFiles, storedWeeks, syncEvents, syncState } from '../db/schema.ts';

export type MovesAccountRow = typeof movesAccounts.$inferSelect;
export type SyncStateRow = typeof syncState.$inferSelect;
export type SyncEventRow = typeof syncEvents.$inferSelect;
export type PublishedFileRow = typeof publishedFiles.$inferSelect;

export async function movesAccountOf(
  ctx: AppContext,
  memberId: number,
): Promise<MovesAccountRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId))
    .limit(1);
  return row;
}

export async function syncStateOf(ctx: AppContext, memberId: number): Promise<SyncStateRow | undefined> {
  const [row] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId)).limit(1);
  return row;
}

export async function recentEvents(ctx: AppContext, memberId: number, limit = 10): Promise<SyncEventRow[]> {
  return ctx.db
    .select()
    .from(syncEvents)
    .where(eq(syncEvents.memberId, memberId))
    .orderBy(desc(syncEvents.at), desc(syncEvents.id))
    .limit(limit);
}

export async function currentFiles(ctx: AppContext, memberId: number): Promise<PublishedFileRow[]> {
  return ctx.db
    .select()
    .from(publishedFiles)
    .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
}

export async function storedSummary(
  ctx: AppContext,
  memberId: number,
): Promise<{ weeks: number; days: number; bytes: number; firstDay: string | null; lastDay: string | null }> {
  const [row] = await ctx.db
    .select({
      weeks: sql<number>`count(*)::int`,
      days: sql<number>`coalesce(sum(${storedWeeks.dayCount}), 0)::int`,
      bytes: sql<number>`coalesce(sum(${storedWeeks.bytes}), 0)::bigint`,
      firstDay: sql<string | null>`min(${storedWeeks.firstDay})`,
      lastDay: sql<string | null>`max(${storedWeeks.lastDay})`,
    })
    .from(storedWeeks)
    .where(eq(storedWeeks.memberId, memberId));
  return {
    weeks: Number(row?.weeks ?? 0),
    days: Number(row?.days ?? 0),
    bytes: Number(row?.bytes ?? 0),
    firstDay: row?.firstDay ?? null,
    lastDay: row?.lastDay ?? null,
  };
}

export interface MemberOverview {
  member: typeof members.$inferSelect;
  account: MovesAccountRow | undefined;
  state: SyncStateRow | undefined;
  stored: { weeks: number; days: number; firstDay: string | null; lastDay: string | null };
  files: { basename: string; size: number; publishedAt: Date }[];
  events: { at: Date; kind: string; message: string }[];
}

/**
 * Everything the dashboard and its 2-second status poll show, in ONE query (member, Moves account, sync state,
 * stored-week totals, current files and the newest events), each part through its member index. The pages
 * are polled by every open dashboard, so this replaces six round trips. Undefined when the member is gone.
 */
function overviewQuery(ctx: AppContext) {
  const id = sql.placeholder('memberId');
  const limit = sql.placeholder('eventLimit');
  return ctx.db
    .select({
      member: members,
      account: movesAccounts,
      state: syncState,
      stored: sql<unknown>`(
        select json_build_object('weeks', count(*), 'days', coalesce(sum(w.day_count), 0),
          'firstDay', min(w.first_day), 'lastDay', max(w.last_day))
        from ${storedWeeks} w where w.member_id = ${members.id})`,
      files: sql<unknown>`(
        select coalesce(json_agg(json_build_object('basename', f.basename, 'size', f.size,
          'publishedAt', f.published_at)), '[]'::json)
        from ${publishedFiles} f where f.member_id = ${members.id} and f.status = 'current')`,
      events: sql<unknown>`(
        select coalesce(json_agg(json_build_object('at', e.at, 'kind', e.kind, 'message', e.message)
          order by e.at desc, e.id desc), '[]'::json)
        from (select id, at, kind, message from ${syncEvents} where member_id = ${members.id}
              order by at desc, id desc limit ${limit}) e)`,
    })
    .from(members)
    .leftJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
    .leftJoin(syncState, eq(syncState.memberId, members.id))
    .where(eq(members.id, id))
    .limit(1)
    .prepare('member_overview');
}

// Built once per database handle: the dashboard poll runs it all the time.
const preparedOverview = new WeakMap<object, ReturnType<typeof overviewQuery>>();

export async function memberOverview(
  ctx: AppContext,
  memberId: number,
  eventLimit: number,
): Promise<MemberOverview | undefined> {
  let query = preparedOverview.get(ctx.db);
  if (!query) {
    query = overviewQuery(ctx);
    preparedOverview.set(ctx.db, query);
  }
  const [row] = await query.execute({ memberId, eventLimit });
  if (!row) return undefined;
  const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
  const stored = json<MemberOverview['stored']>(row.stored);
  return {
    member: row.member,
    account: row.account ?? undefined,
    state: row.state ?? undefined,
    stored: {
      weeks: Number(stored.weeks),
      days: Number(stored.days),
      firstDay: stored.firstDay,
      lastDay: stored.lastDay,
    },
    files: json<{ basename: string; size: number; publishedAt: string }[]>(row.files).map((f) => ({
      basename: f.basename,
      size: Number(f.size),
      publishedAt: new Date(f.publishedAt),
    })),
    events: json<{ at: string; kind: string; message: string }[]>(row.events).map((e) => ({
      ...e,
      at: new Date(e.at),
    })),
  };
}
