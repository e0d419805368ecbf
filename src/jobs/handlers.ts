// Which function handles which queue. Every handler logs its job's start and end (member, outcome, duration) so
// a worker's log tells which member it worked on and how that ended; no member data beyond the id.
import type { Job } from 'pg-boss';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { ImportInterruptedError } from '../archive/import-archive.ts';
import { runPendingImports, sweepAbandonedUploads } from '../archive/uploads.ts';
import { runSchedulerPass } from '../sync/scheduler-pass.ts';
import { runSyncJob } from '../sync/sync-job.ts';
import { QUEUES } from './queues.ts';
import type { HandlerMap, JobHandler } from './worker.ts';

const syncJobData = z.object({
  memberId: z.number().int().positive(),
  reason: z.enum(['connect', 'manual', 'scheduler', 'requeue', 'import', 'notification', 'admin']),
  failedRuns: z.number().int().nonnegative().optional(),
  routine: z.boolean().optional(),
  chainWeeks: z.number().int().nonnegative().optional(),
});

export async function handleSyncMember(ctx: AppContext, job: Job<unknown>) {
  const data = syncJobData.safeParse(job.data);
  if (!data.success) {
    // A malformed job can never succeed: log and drop it rather than retry forever.
    ctx.logger.error({ jobId: job.id, issues: data.error.issues }, 'dropping a malformed sync job');
    return { outcome: 'invalid' };
  }
  // Uploaded archives first, in the same job, so an import and a sync never run at once for a member; the sync
  // (or, without Moves, the publish of what was imported) follows.
  try {
    await runPendingImports(ctx, data.data.memberId);
  } catch (err) {
    // Shutting down mid-import: nothing was committed and a follow-up job is queued.
    if (err instanceof ImportInterruptedError) return { outcome: 'shutdown' };
    throw err;
  }
  return runSyncJob(ctx, data.data);
}

/** Wraps a handler with a "job started" and a "job finished" line (runJob logs a failure's reason). */
export function logged(queue: string, handler: JobHandler): JobHandler {
  return async (ctx, job) => {
    const memberId = (job.data as { memberId?: unknown } | null)?.memberId;
    const log = ctx.logger.child({
      role: 'worker',
      queue,
      jobId: job.id,
      ...(typeof memberId === 'number' ? { memberId } : {}),
    });
    const member = typeof memberId === 'number' ? ` for member ${memberId}` : '';
    const started = Date.now();
    log.info(`job started: ${queue}${member}`);
    let outcome = 'error';
    try {
      const result = await handler(ctx, job);
      const reported = (result as { outcome?: unknown } | undefined)?.outcome;
      outcome = typeof reported === 'string' ? reported : 'done';
      return result;
    } finally {
      log.info({ outcome, ms: Date.now() - started }, `job finished: ${queue}${member}: ${outcome}`);
    }
  };
}

export const jobHandlers: HandlerMap = {
  [QUEUES.syncMember]: logged(QUEUES.syncMember, handleSyncMember),
  [QUEUES.schedulerPass]: logged(QUEUES.schedulerPass, async (ctx) => {
    await sweepAbandonedUploads(ctx);
    return runSchedulerPass(ctx);
  }),
};
