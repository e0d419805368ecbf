// Reads of a member together with their rows in the other domains, each in ONE query where a page or job needs
// it often: the dashboard overview, the admin list, the scheduler's candidates and a sync's starting point.
// Read-only: every table here is written by its own service.
import { and, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members, movesAccounts, publishedFiles, storedWeeks, syncEvents, syncState } from '../db/schema.ts';
import type { SyncEventKind, SyncStateRow } from '../sync/sync-state.ts';
import { movesAccountInfo, type MovesAccountInfo } from './moves-accounts.ts';

/** A member without their tokens. */
export interface Member {
  id: number;
  ohMemberId: string;
  ohUsername: string | null;
  ohNeedsReauth: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
  /** Sessions sealed under another version are no longer honoured (src/accounts/sessions.ts). */
  sessionVersion: number;
  /** When the member agreed to background map tiles (null: not agreed). */
  mapTilesConsentAt: Date | null;
}

const memberInfo = {
  id: members.id,
  ohMemberId: members.ohMemberId,
  ohUsername: members.ohUsername,
  ohNeedsReauth: members.ohNeedsReauth,
  createdAt: members.createdAt,
  lastLoginAt: members.lastLoginAt,
  sessionVersion: members.sessionVersion,
  mapTilesConsentAt: members.mapTilesConsentAt,
};

export async function memberById(ctx: AppContext, memberId: number): Promise<Member | undefined> {
  const [row] = await ctx.db.select(memberInfo).from(members).where(eq(members.id, memberId)).limit(1);
  return row;
}

export async function memberCount(ctx: AppContext): Promise<number> {
  const [row] = await ctx.db.select({ total: sql<number>`count(*)::int` }).from(members);
  return Number(row?.total ?? 0);
}

export interface MemberOverview {
  member: Member;
  account: MovesAccountInfo | undefined;
  state: SyncStateRow | undefined;
  stored: { weeks: number; days: number; firstDay: string | null; lastDay: string | null };
  files: { basename: string; size: number; publishedAt: Date }[];
  events: { at: Date; kind: SyncEventKind; message: string }[];
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
      member: memberInfo,
      account: movesAccountInfo,
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

/** The overview, from the member view cache when nothing changed it (src/accounts/member-view-cache.ts). */
export function memberOverview(
  ctx: AppContext,
  memberId: number,
  eventLimit: number,
): Promise<MemberOverview | undefined> {
  return ctx.memberViews.get(memberId, `overview:${eventLimit}`, () =>
    loadMemberOverview(ctx, memberId, eventLimit),
  );
}

async function loadMemberOverview(
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
    events: json<{ at: string; kind: SyncEventKind; message: string }[]>(row.events).map((e) => ({
      ...e,
      at: new Date(e.at),
    })),
  };
}

export interface AdminMemberRow {
  id: number;
  ohMemberId: string;
  username: string | null;
  ohNeedsReauth: boolean;
  createdAt: Date;
  movesStatus: MovesAccountInfo['status'] | null;
  status: SyncStateRow['status'] | null;
  weeksDone: number | null;
  weeksTotal: number | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  nextRunAt: Date | null;
}

export async function adminMemberList(ctx: AppContext, limit: number): Promise<AdminMemberRow[]> {
  return ctx.db
    .select({
      id: members.id,
      ohMemberId: members.ohMemberId,
      username: members.ohUsername,
      ohNeedsReauth: members.ohNeedsReauth,
      createdAt: members.createdAt,
      movesStatus: movesAccounts.status,
      status: syncState.status,
      weeksDone: syncState.weeksDone,
      weeksTotal: syncState.weeksTotal,
      lastSuccessAt: syncState.lastSuccessAt,
      lastError: syncState.lastError,
      nextRunAt: syncState.nextRunAt,
    })
    .from(members)
    .leftJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
    .leftJoin(syncState, eq(syncState.memberId, members.id))
    .orderBy(members.id)
    .limit(limit);
}

/** States in which a member already has a job (queued, active or waiting for its requeue). */
const IN_FLIGHT: SyncStateRow['status'][] = ['queued', 'running', 'uploading', 'waiting_rate_limit'];

/**
 * Connected members whose last successful update is older than `staleBefore`, or who never had one and are not
 * queued or running.
 */
export async function staleMembers(ctx: AppContext, staleBefore: Date): Promise<number[]> {
  const rows = await ctx.db
    .select({ memberId: members.id })
    .from(members)
    .innerJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
    .leftJoin(syncState, eq(syncState.memberId, members.id))
    .where(
      and(
        eq(movesAccounts.status, 'connected'),
        eq(members.ohNeedsReauth, false),
        or(
          lt(syncState.lastSuccessAt, staleBefore),
          and(
            isNull(syncState.lastSuccessAt),
            or(isNull(syncState.status), notInArray(syncState.status, IN_FLIGHT)),
          ),
        ),
      ),
    )
    .orderBy(members.id);
  return rows.map((r) => r.memberId);
}

/** Members with a connected Moves account whose sync state is one of `statuses`. */
export async function connectedInStates(
  ctx: AppContext,
  statuses: SyncStateRow['status'][],
): Promise<{ memberId: number; status: SyncStateRow['status']; nextRunAt: Date | null }[]> {
  return ctx.db
    .select({ memberId: syncState.memberId, status: syncState.status, nextRunAt: syncState.nextRunAt })
    .from(syncState)
    .innerJoin(movesAccounts, eq(movesAccounts.memberId, syncState.memberId))
    .where(and(inArray(syncState.status, statuses), eq(movesAccounts.status, 'connected')));
}

export interface SyncStart {
  member: Member;
  account: MovesAccountInfo | undefined;
  state: SyncStateRow | undefined;
}

export async function syncStart(ctx: AppContext, memberId: number): Promise<SyncStart | undefined> {
  const [row] = await ctx.db
    .select({ member: memberInfo, account: movesAccountInfo, state: syncState })
    .from(members)
    .leftJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
    .leftJoin(syncState, eq(syncState.memberId, members.id))
    .where(eq(members.id, memberId));
  return row
    ? { member: row.member, account: row.account ?? undefined, state: row.state ?? undefined }
    : undefined;
}
