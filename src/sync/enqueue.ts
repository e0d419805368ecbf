// The one way to ask for a member's sync. The connect callback, the dashboard button, the scheduler, requeues
// and imports all come through here, so pg-boss's stately policy + singletonKey keeps one job per member.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { QUEUES } from '../jobs/queues.ts';
import { syncEvents, syncState } from '../db/schema.ts';

export type SyncReason = 'connect' | 'manual' | 'scheduler' | 'requeue' | 'import' | 'notification' | 'admin';

/** Updates nobody waits for: they use the stored profile, and backfills and "Update now" go ahead of them. */
export const ROUTINE_REASONS: ReadonlySet<SyncReason> = new Set(['scheduler', 'notification']);

export interface SyncJobData {
  memberId: number;
  reason: SyncReason;
  /** Failed runs in a row (upstream failures that may pass): drives the requeue backoff. */
  failedRuns?: number;
  /** A routine update or its continuation: queued behind backfills and "Update now", on a capped budget share. */
  routine?: boolean;
}

/** pg-boss fetches higher priorities first: backfills and requested updates go ahead of routine ones. */
export const PRIORITY = { requested: 10, routine: 0 } as const;

export interface EnqueueOptions {
  /** Run no earlier than this (a rate-limit reset, a backoff). */
  startAfter?: Date;
  /** Carried by requeues after a failure. */
  failedRuns?: number;
  /** Carried by requeues: the chain stays routine (or not) as it began. */
  routine?: boolean;
}

/** Returns true when a job was queued, false when one is already waiting for this member. */
export async function enqueueSync(
  ctx: AppContext,
  memberId: number,
  reason: SyncReason,
  opts: EnqueueOptions = {},
): Promise<boolean> {
  const routine = opts.routine ?? ROUTINE_REASONS.has(reason);
  const data: SyncJobData = {
    memberId,
    reason,
    ...(opts.failedRuns ? { failedRuns: opts.failedRuns } : {}),
    ...(routine ? { routine } : {}),
  };
  const id = await ctx.boss.send(QUEUES.syncMember, data, {
    singletonKey: String(memberId),
    priority: routine ? PRIORITY.routine : PRIORITY.requested,
    ...(opts.startAfter ? { startAfter: queueTime(ctx, opts.startAfter) } : {}),
  });
  const now = ctx.clock.date();
  if (id) {
    await ctx.db
      .insert(syncState)
      .values({ memberId, status: 'queued', nextRunAt: opts.startAfter ?? now, updatedAt: now })
      .onConflictDoUpdate({
        target: syncState.memberId,
        // A running job keeps its status; the queued follow-up shows as the next run.
        set: {
          status: sql`case when ${syncState.status} in ('running', 'uploading') then ${syncState.status} else 'queued' end`,
          nextRunAt: opts.startAfter ?? now,
          updatedAt: now,
        },
      });
    await ctx.db.insert(syncEvents).values({
      memberId,
      at: now,
      kind: 'queued',
      message: describeReason(reason, opts.startAfter),
      details: { reason, jobId: id },
    });
  }
  return id !== null;
}

/**
 * pg-boss compares startAfter with the database's clock (real time), while `startAfter` is on the app clock
 * (which tests and benchmarks may run ahead): keep the delay, not the instant.
 */
function queueTime(ctx: AppContext, startAfter: Date): Date {
  return new Date(Date.now() + (startAfter.getTime() - ctx.clock.now()));
}

function describeReason(reason: SyncReason, startAfter?: Date): string {
  const why: Record<SyncReason, string> = {
    connect: 'Moves account connected: first sync queued',
    manual: 'Update requested by the member',
    scheduler: 'Scheduled update: data older than the staleness window',
    requeue: 'Continuing after a pause',
    import: 'Queued after an import',
    notification: 'Moves reported changed data',
    admin: 'Requeued by an administrator',
  };
  return startAfter ? `${why[reason]} (runs at ${startAfter.toISOString()})` : why[reason];
}
