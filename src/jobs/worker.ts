// The worker role: pg-boss consumers for every queue that has a handler.
import type PgBoss from 'pg-boss';
import type { AppContext } from '../context.ts';

export type JobHandler = (ctx: AppContext, job: PgBoss.Job<unknown>) => Promise<unknown>;
export type HandlerMap = Partial<Record<string, JobHandler>>;

/** pg-boss 10 has no local concurrency option: one work() call per slot. */
export async function startWorker(ctx: AppContext, handlers: HandlerMap): Promise<void> {
  const log = ctx.logger.child({ role: 'worker' });
  for (const [queue, handler] of Object.entries(handlers)) {
    if (!handler) continue;
    for (let slot = 0; slot < ctx.config.workerConcurrency; slot++) {
      await ctx.boss.work(queue, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
        if (!job) return;
        log.debug({ queue, jobId: job.id }, 'job started');
        return handler(ctx, job);
      });
    }
  }
  log.info({ queues: Object.keys(handlers), concurrency: ctx.config.workerConcurrency }, 'worker started');
}
