// Which function handles which queue.
import type { Job } from 'pg-boss';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { ImportInterruptedError } from '../archive/import-archive.ts';
import { runPendingImports } from '../archive/uploads.ts';
import { runSchedulerPass } from '../sync/scheduler-pass.ts';
import { runSyncJob } from '../sync/sync-job.ts';
import { QUEUES } from './queues.ts';
import type { HandlerMap } from './worker.ts';

const syncJobData = z.object({
  memberId: z.number().int().positive(),
  reason: z.enum(['connect', 'manual', 'scheduler', 'requeue', 'import', 'notification', 'admin']),
  failedRuns: z.number().int().nonnegative().optional(),
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

export const jobHandlers: HandlerMap = {
  [QUEUES.syncMember]: handleSyncMember,
  [QUEUES.schedulerPass]: (ctx) => runSchedulerPass(ctx),
};
