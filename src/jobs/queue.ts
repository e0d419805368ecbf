// The queue service: every pg-boss call the app makes goes through here (send, cancel, sizes, schedules,
// workers). Asking for a member's sync is one call, enqueueSync: the connect callback, the dashboard button,
// the scheduler, requeues and imports all come through it, so pg-boss's stately policy + singletonKey keeps one
// job per member.
import type { Job } from 'pg-boss';
import type { AppContext } from '../context.ts';
import { formatDuration } from '../util/time-words.ts';
import { QUEUES } from './queues.ts';

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
  /** Weeks the earlier runs of this chain fetched (carried by requeues), so the last run reports them all. */
  chainWeeks?: number;
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
  /** Carried by requeues: weeks fetched so far in this chain. */
  chainWeeks?: number;
  /** The caller writes the sync state itself (a job requeueing its own continuation): it is not marked queued. */
  keepState?: boolean;
}

export interface QueueService {
  /** Returns true when a job was queued, false when one is already waiting for this member. */
  enqueueSync(memberId: number, reason: SyncReason, opts?: EnqueueOptions): Promise<boolean>;
  /** Cancels the member's sync jobs that have not started; how many. */
  cancelQueuedSyncs(memberId: number): Promise<number>;
  /** The member's sync jobs that are queued, waiting for a retry or running, with their states. */
  liveSyncJobs(memberId: number): Promise<{ id: string; state: string }[]>;
  /** Jobs waiting in the sync queue (pg-boss's counts, refreshed by its maintenance every few seconds). */
  syncQueueSize(): Promise<number>;
  /** Throws when the queue cannot be reached (health check). */
  check(): Promise<void>;
  /** Runs the scheduler pass on this cron (UTC), once per cluster. */
  scheduleSchedulerPass(cron: string): Promise<void>;
  /** Runs jobs of `queue`, `concurrency` at a time (pg-boss renews each running job's heartbeat). */
  work(
    queue: string,
    opts: { pollingIntervalSeconds: number; concurrency: number },
    handler: (job: Job<unknown>) => Promise<unknown>,
  ): Promise<void>;
}

export function createQueueService(ctx: AppContext): QueueService {
  // The workers this process runs, by queue (pg-boss's id for each work() call).
  const localWorkers = new Map<string, string[]>();
  /**
   * A job queued in the process that runs its workers starts now, not at the next poll (up to 0.5 s later: a
   * third of a small backfill). Other processes' workers still find it by polling.
   */
  const wakeLocalWorkers = (queue: string) => {
    for (const id of localWorkers.get(queue) ?? []) ctx.boss.notifyWorker(id);
  };
  return {
    async enqueueSync(memberId, reason, opts = {}) {
      const routine = opts.routine ?? ROUTINE_REASONS.has(reason);
      const data: SyncJobData = {
        memberId,
        reason,
        ...(opts.failedRuns ? { failedRuns: opts.failedRuns } : {}),
        ...(routine ? { routine } : {}),
        ...(opts.chainWeeks ? { chainWeeks: opts.chainWeeks } : {}),
      };
      const send = () =>
        ctx.boss.send(QUEUES.syncMember, data, {
          singletonKey: String(memberId),
          priority: routine ? PRIORITY.routine : PRIORITY.requested,
          ...(opts.startAfter ? { startAfter: queueTime(ctx, opts.startAfter) } : {}),
        });
      let id = await send();
      // "Update now" (or a connect) while a routine update waits: that job would keep its place behind every
      // backfill. It gives way to this one, which runs the same update at the requested priority.
      if (id === null && !routine && (await cancelQueuedRoutineJobs(ctx, memberId))) id = await send();
      if (id) {
        if (!opts.keepState) await ctx.syncState.markQueued(memberId, opts.startAfter ?? ctx.clock.date());
        const delayMs = opts.startAfter && opts.startAfter.getTime() - ctx.clock.now();
        await ctx.syncState.recordEvent(memberId, 'queued', describeReason(reason, delayMs), {
          reason,
          jobId: id,
          ...(opts.startAfter ? { startAfter: opts.startAfter.toISOString() } : {}),
        });
        // After the state says queued: a job woken earlier could start (and say running) before that write.
        if (!opts.startAfter || opts.startAfter.getTime() <= ctx.clock.now())
          wakeLocalWorkers(QUEUES.syncMember);
      }
      return id !== null;
    },

    /**
     * A job that already runs finds no Moves account at its next token refresh or run and ends as "skipped"
     * (src/sync/sync-job.ts).
     */
    async cancelQueuedSyncs(memberId) {
      const jobs = await ctx.boss.findJobs(QUEUES.syncMember, { key: String(memberId), queued: true });
      const ids = jobs.map((j) => j.id);
      if (ids.length) await ctx.boss.cancel(QUEUES.syncMember, ids);
      return ids.length;
    },

    async liveSyncJobs(memberId) {
      const jobs = await ctx.boss.findJobs(QUEUES.syncMember, { key: String(memberId) });
      return jobs
        .filter((j) => j.state === 'created' || j.state === 'retry' || j.state === 'active')
        .map((j) => ({ id: j.id, state: j.state }));
    },

    async syncQueueSize() {
      return (await ctx.boss.getQueue(QUEUES.syncMember))?.queuedCount ?? 0;
    },

    async check() {
      await ctx.boss.getQueue(QUEUES.syncMember);
    },

    async scheduleSchedulerPass(cron) {
      await ctx.boss.schedule(QUEUES.schedulerPass, cron, {}, { tz: 'UTC' });
    },

    async work(queue, { pollingIntervalSeconds, concurrency }, handler) {
      const id = await ctx.boss.work(
        queue,
        { batchSize: 1, pollingIntervalSeconds, localConcurrency: concurrency },
        async ([job]) => {
          if (job) return handler(job);
        },
      );
      localWorkers.set(queue, [...(localWorkers.get(queue) ?? []), id]);
    },
  };
}

/** Cancels the member's routine sync jobs that have not started; true when there was one. */
async function cancelQueuedRoutineJobs(ctx: AppContext, memberId: number): Promise<boolean> {
  const queued = await ctx.boss.findJobs<SyncJobData>(QUEUES.syncMember, {
    key: String(memberId),
    queued: true,
  });
  const ids = queued.filter((j) => j.data.routine).map((j) => j.id);
  if (ids.length) await ctx.boss.cancel(QUEUES.syncMember, ids);
  return ids.length > 0;
}

/**
 * pg-boss compares startAfter with the database's clock (real time), while `startAfter` is on the app clock
 * (which tests and benchmarks may run ahead): keep the delay, not the instant.
 */
function queueTime(ctx: AppContext, startAfter: Date): Date {
  return new Date(Date.now() + (startAfter.getTime() - ctx.clock.now()));
}

function describeReason(reason: SyncReason, delayMs?: number): string {
  const why: Record<SyncReason, string> = {
    connect: 'Moves account connected: sync queued',
    manual: 'Update requested by the member',
    scheduler: 'Scheduled update: data older than the staleness window',
    requeue: 'Continuing after a pause',
    import: 'Queued after an import',
    notification: 'Moves reported changed data',
    admin: 'Requeued by an administrator',
  };
  return delayMs !== undefined && delayMs >= 1000
    ? `${why[reason]} (starts in ${formatDuration(delayMs)})`
    : why[reason];
}
