// Members whose sync state says work is going on or waiting, with no job left to do it: after a crash on the
// embedded store, or after the job queue's schema was rebuilt. The dashboard must not claim work that is not
// happening, and the member's sync must go on.
import { and, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { movesAccounts, syncState } from '../db/schema.ts';
import { QUEUES } from '../jobs/queues.ts';
import { enqueueSync } from './enqueue.ts';
import { updateSyncState } from './sync-state.ts';

const WAITING_FOR_A_JOB = ['queued', 'running', 'uploading', 'waiting_rate_limit', 'error'];
const CLAIMS_A_RUNNING_JOB = new Set(['running', 'uploading']);

export async function requeueStrandedSyncs(ctx: AppContext): Promise<number> {
  const rows = await ctx.db
    .select({ memberId: syncState.memberId, status: syncState.status, nextRunAt: syncState.nextRunAt })
    .from(syncState)
    .innerJoin(movesAccounts, eq(movesAccounts.memberId, syncState.memberId))
    .where(and(inArray(syncState.status, WAITING_FOR_A_JOB), eq(movesAccounts.status, 'connected')));
  let requeued = 0;
  for (const row of rows) {
    // An error with no next run has given up until the scheduler's next pass: nothing is stranded.
    if (row.status === 'error' && !row.nextRunAt) continue;
    const jobs = await ctx.boss.findJobs(QUEUES.syncMember, { key: String(row.memberId) });
    const live = jobs.filter((j) => j.state === 'created' || j.state === 'retry' || j.state === 'active');
    if (CLAIMS_A_RUNNING_JOB.has(row.status) && !live.some((j) => j.state === 'active'))
      await updateSyncState(ctx, row.memberId, { status: 'queued' });
    if (live.length) continue;
    const startAfter = row.nextRunAt && row.nextRunAt.getTime() > ctx.clock.now() ? row.nextRunAt : undefined;
    if (await enqueueSync(ctx, row.memberId, 'requeue', startAfter ? { startAfter } : {})) requeued++;
  }
  if (requeued) ctx.logger.warn({ members: requeued }, 'queued the syncs of members left without a job');
  return requeued;
}
