// The sync state service: owns `sync_state` (one row per member: status, progress, cursors, last error) and
// `sync_events` (the audit trail the dashboard and admin show). Nothing else writes these tables.
import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { syncEvents, syncState, type SyncEventKind, type SyncStatus } from '../db/schema.ts';

export type { SyncEventKind, SyncStatus };

/** The kinds the admin page lists as recent failures. */
export const FAILURE_KINDS: SyncEventKind[] = [
  'error',
  'needs_reauth',
  'http_429',
  'cleanup_failed',
  'notice',
  'notice_failed',
];

export type SyncStateRow = typeof syncState.$inferSelect;
export type SyncStatePatch = Partial<Omit<typeof syncState.$inferInsert, 'memberId' | 'updatedAt'>>;

export interface SyncStateService {
  get(memberId: number): Promise<SyncStateRow | undefined>;
  /** Creates the row if needed and applies the patch. */
  update(memberId: number, patch: SyncStatePatch): Promise<void>;
  /** A job was queued: shows it as the next run; a running job keeps its status. */
  markQueued(memberId: number, nextRunAt: Date): Promise<void>;
  /** Forgets progress, cursors and errors (another Moves account was connected). */
  resetProgress(memberId: number): Promise<void>;
  /** Claims the member's manual-update slot (one conditional UPDATE, so two clicks cannot both pass). */
  claimManualUpdate(
    memberId: number,
  ): Promise<{ ok: true; claimedAt: Date } | { ok: false; availableAt: Date }>;
  /** Gives the slot back: the request queued nothing (a sync was already waiting), so it must not cost a wait. */
  releaseManualUpdate(memberId: number, claimedAt: Date): Promise<void>;
  /**
   * Moves was disconnected: progress, cursors, errors and the next run go, the Update-now cooldown stays (a
   * disconnect and reconnect must not reset it). Events stay until the member row goes.
   */
  clear(memberId: number): Promise<void>;
  recordEvent(
    memberId: number,
    kind: SyncEventKind,
    message: string,
    details?: Record<string, unknown>,
  ): Promise<void>;
  recentFailures(limit: number): Promise<{ at: Date; memberId: number; kind: string; message: string }[]>;
  /**
   * The member's current incident, since their last successful update or Moves connection: the failed runs
   * (error events marked `run`), and whether a notice for `reason` was sent or tried (src/sync/notices.ts).
   */
  incident(memberId: number, reason: string): Promise<{ failedRuns: number; noticed: boolean }>;
}

export function createSyncStateService(ctx: AppContext): SyncStateService {
  return { ...stateRow(ctx), ...manualUpdateSlot(ctx), ...events(ctx) };
}

/** A sync's progress and outcome as before its first run. */
const NO_PROGRESS = {
  weeksDone: 0,
  weeksTotal: 0,
  lastSyncStartedAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastErrorAt: null,
  unpublishedWeeks: 0,
} satisfies SyncStatePatch;

/** The member's `sync_state` row: status, progress, cursors, last error. */
function stateRow(
  ctx: AppContext,
): Pick<SyncStateService, 'get' | 'update' | 'markQueued' | 'resetProgress' | 'clear'> {
  /** Changes the member's existing row (none is created). */
  async function setExisting(memberId: number, patch: SyncStatePatch): Promise<void> {
    await ctx.db
      .update(syncState)
      .set({ ...patch, updatedAt: ctx.clock.date() })
      .where(eq(syncState.memberId, memberId));
    ctx.memberViews.changed(memberId);
  }

  return {
    async get(memberId) {
      const [row] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId)).limit(1);
      return row;
    },

    async update(memberId, patch) {
      const now = ctx.clock.date();
      await ctx.db
        .insert(syncState)
        .values({ memberId, ...patch, updatedAt: now })
        .onConflictDoUpdate({ target: syncState.memberId, set: { ...patch, updatedAt: now } });
      ctx.memberViews.changed(memberId);
    },

    async markQueued(memberId, nextRunAt) {
      const now = ctx.clock.date();
      await ctx.db
        .insert(syncState)
        .values({ memberId, status: 'queued', nextRunAt, updatedAt: now })
        .onConflictDoUpdate({
          target: syncState.memberId,
          // A running job keeps its status; the queued follow-up shows as the next run.
          set: {
            status: sql`case when ${syncState.status} in ('running', 'uploading') then ${syncState.status} else 'queued' end`,
            nextRunAt,
            updatedAt: now,
          },
        });
      ctx.memberViews.changed(memberId);
    },

    async resetProgress(memberId) {
      // Only the cursors and progress: a queued job's status row is rewritten when it is queued anyway.
      await setExisting(memberId, NO_PROGRESS);
    },

    async clear(memberId) {
      await setExisting(memberId, { status: 'idle', nextRunAt: null, ...NO_PROGRESS });
    },
  };
}

/** The Update-now cooldown (`sync_state.lastManualRequestAt`). */
function manualUpdateSlot(
  ctx: AppContext,
): Pick<SyncStateService, 'claimManualUpdate' | 'releaseManualUpdate'> {
  return {
    async claimManualUpdate(memberId) {
      const now = ctx.clock.date();
      const cooldownMs = ctx.config.manualUpdateCooldownMinutes * 60_000;
      const threshold = new Date(now.getTime() - cooldownMs);
      await ctx.db.insert(syncState).values({ memberId, updatedAt: now }).onConflictDoNothing();
      const claimed = await ctx.db
        .update(syncState)
        .set({ lastManualRequestAt: now })
        .where(
          sql`${syncState.memberId} = ${memberId} and (${syncState.lastManualRequestAt} is null or ${syncState.lastManualRequestAt} <= ${threshold})`,
        )
        .returning({ memberId: syncState.memberId });
      ctx.memberViews.changed(memberId);
      if (claimed.length) return { ok: true, claimedAt: now };
      const [row] = await ctx.db
        .select({ last: syncState.lastManualRequestAt })
        .from(syncState)
        .where(eq(syncState.memberId, memberId));
      return { ok: false, availableAt: new Date((row?.last?.getTime() ?? now.getTime()) + cooldownMs) };
    },

    async releaseManualUpdate(memberId, claimedAt) {
      await ctx.db
        .update(syncState)
        .set({ lastManualRequestAt: null })
        .where(sql`${syncState.memberId} = ${memberId} and ${syncState.lastManualRequestAt} = ${claimedAt}`);
      ctx.memberViews.changed(memberId);
    },
  };
}

/** `sync_events`: the audit trail, the admin's failure list and the current incident. */
function events(ctx: AppContext): Pick<SyncStateService, 'recordEvent' | 'incident' | 'recentFailures'> {
  return {
    async recordEvent(memberId, kind, message, details) {
      await ctx.db
        .insert(syncEvents)
        .values({ memberId, at: ctx.clock.date(), kind, message, details: details ?? null });
      ctx.memberViews.changed(memberId);
    },

    async incident(memberId, reason) {
      const boundary = ctx.db
        .select({ at: sql`coalesce(max(${syncEvents.at}), '-infinity'::timestamptz)` })
        .from(syncEvents)
        .where(
          and(
            eq(syncEvents.memberId, memberId),
            or(
              eq(syncEvents.kind, 'completed'),
              and(eq(syncEvents.kind, 'queued'), sql`${syncEvents.details}->>'reason' = 'connect'`),
            ),
          ),
        );
      const [row] = await ctx.db
        .select({
          failedRuns: sql<number>`(count(*) filter (where ${syncEvents.kind} = 'error'
            and ${syncEvents.details}->>'run' = 'true'))::int`,
          noticed: sql<number>`(count(*) filter (where ${syncEvents.kind} in ('notice', 'notice_failed')
            and ${syncEvents.details}->>'reason' = ${reason}))::int`,
        })
        .from(syncEvents)
        .where(and(eq(syncEvents.memberId, memberId), gt(syncEvents.at, sql`(${boundary})`)));
      return { failedRuns: Number(row?.failedRuns ?? 0), noticed: Number(row?.noticed ?? 0) > 0 };
    },

    async recentFailures(limit) {
      return ctx.db
        .select({
          at: syncEvents.at,
          memberId: syncEvents.memberId,
          kind: syncEvents.kind,
          message: syncEvents.message,
        })
        .from(syncEvents)
        .where(inArray(syncEvents.kind, FAILURE_KINDS))
        .orderBy(desc(syncEvents.at))
        .limit(limit);
    },
  };
}
