// Members whose sync state says work is going on or waiting, with no job left to do it: after a crash on the
// embedded store, after the job queue's schema was rebuilt, or (checked by every scheduler pass) when pg-boss
// gave up on a job whose process died on every retry. The dashboard must not claim work that is not
// happening, and the member's sync must go on.
import type { AppContext } from '../context.ts';
import type { SyncStatus } from './sync-state.ts';

const WAITING_FOR_A_JOB: SyncStatus[] = ['queued', 'running', 'uploading', 'waiting_rate_limit', 'error'];
const CLAIMS_A_RUNNING_JOB = new Set<SyncStatus>(['running', 'uploading']);

export async function requeueStrandedSyncs(ctx: AppContext): Promise<number> {
  const rows = await ctx.accounts.connectedInStates(WAITING_FOR_A_JOB);
  let requeued = 0;
  for (const row of rows) {
    // An error with no next run has given up until the scheduler's next pass: nothing is stranded.
    if (row.status === 'error' && !row.nextRunAt) continue;
    const live = await ctx.queue.liveSyncJobs(row.memberId);
    if (CLAIMS_A_RUNNING_JOB.has(row.status) && !live.some((j) => j.state === 'active'))
      await ctx.syncState.update(row.memberId, { status: 'queued' });
    if (live.length) continue;
    const startAfter = row.nextRunAt && row.nextRunAt.getTime() > ctx.clock.now() ? row.nextRunAt : undefined;
    if (await ctx.queue.enqueueSync(row.memberId, 'requeue', startAfter ? { startAfter } : {})) requeued++;
  }
  if (requeued) ctx.logger.warn({ members: requeued }, 'queued the syncs of members left without a job');
  return requeued;
}
