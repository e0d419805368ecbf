// The worker role: pg-boss consumers for every queue that has a handler, WORKER_CONCURRENCY jobs at a time.
import type { Job } from 'pg-boss';
import type { AppContext } from '../context.ts';
import { sanitizedError } from '../safe-error.ts';
import { QUEUES } from './queues.ts';

export type JobHandler = (ctx: AppContext, job: Job<unknown>) => Promise<unknown>;
export type HandlerMap = Partial<Record<string, JobHandler>>;

/**
 * How often an idle worker asks for a job. sync-member uses pg-boss's minimum (0.5 s): a continuation after a
 * rate-limit pause is queued just before the reset, and a slow pickup would leave the budget idle.
 */
export const POLLING_SECONDS: Partial<Record<string, number>> = { [QUEUES.syncMember]: 0.5 };
const DEFAULT_POLLING_SECONDS = 1;

/**
 * Runs one job. pg-boss stores a failed job's error whole (serialize-error: message, SQL, parameters, cause),
 * so what it gets is the data-free copy; the log line carries the job id, the queue and the safe reason.
 */
export async function runJob(
  ctx: AppContext,
  queue: string,
  handler: JobHandler,
  job: Job<unknown>,
): Promise<unknown> {
  try {
    return await handler(ctx, job);
  } catch (err) {
    const memberId = (job.data as { memberId?: unknown } | null)?.memberId;
    ctx.logger.error({ err, queue, jobId: job.id, memberId, role: 'worker' }, 'job failed');
    throw sanitizedError(err);
  }
}

export async function startWorker(ctx: AppContext, handlers: HandlerMap): Promise<void> {
  const log = ctx.logger.child({ role: 'worker' });
  for (const [queue, handler] of Object.entries(handlers)) {
    if (!handler) continue;
    const pollingIntervalSeconds = POLLING_SECONDS[queue] ?? DEFAULT_POLLING_SECONDS;
    // localConcurrency: pg-boss runs that many fetch loops, each one job at a time (batchSize 1), and renews
    // the heartbeat of each running job.
    await ctx.queue.work(
      queue,
      { pollingIntervalSeconds, concurrency: ctx.config.workerConcurrency },
      async (job) => {
        log.debug({ queue, jobId: job.id }, 'job started');
        return runJob(ctx, queue, handler, job);
      },
    );
  }
  log.info({ queues: Object.keys(handlers), concurrency: ctx.config.workerConcurrency }, 'worker started');
}
