// The state one sync job carries from phase to phase (sync-job.ts runs them): the member, the job's data, its
// result so far and its progress, plus the few things every phase does with them (publish, checkpoint, flush).
import type { AppContext } from '../context.ts';
import type { SyncStart } from '../accounts/member-views.ts';
import { ROUTINE_REASONS, type SyncJobData } from '../jobs/queue.ts';
import type { BudgetedMoves } from './budgeted-moves.ts';
import { publishStoryline, type PublishResult } from './publish.ts';
import { estimateFinalBytes, shouldPublishCheckpoint, type CheckpointTrigger } from './publish-policy.ts';

export type SyncOutcome =
  'completed' | 'rate_limited' | 'needs_reauth' | 'retry_later' | 'failed' | 'shutdown' | 'skipped';

export interface SyncResult {
  outcome: SyncOutcome;
  weeksFetched: number;
  movesRequests: number;
  published: boolean;
  nextRunAt?: Date;
}

export interface Progress {
  done: number;
  total: number;
  unpublished: number;
}

export interface SyncRun {
  ctx: AppContext;
  data: SyncJobData;
  memberId: number;
  /** What the job found at its start: the member, the Moves account and the sync state. */
  start: SyncStart;
  startedAt: Date;
  result: SyncResult;
  progress: Progress;
  /** The member's zone for times in messages; the profile phase may correct it. */
  zone: string;
  /** Set once the Moves token is read (the profile phase); absent when the job never got that far. */
  moves?: BudgetedMoves;
}

export function newSyncRun(
  ctx: AppContext,
  data: SyncJobData,
  start: SyncStart,
  at: { startedAt: Date; zone: string },
): SyncRun {
  return {
    ctx,
    data,
    memberId: data.memberId,
    start,
    startedAt: at.startedAt,
    result: { outcome: 'completed', weeksFetched: 0, movesRequests: 0, published: false },
    progress: { done: 0, total: 0, unpublished: start.state?.unpublishedWeeks ?? 0 },
    zone: at.zone,
  };
}

/** A routine update, or a continuation of one. */
export const isRoutine = (data: SyncJobData) => data.routine ?? ROUTINE_REASONS.has(data.reason);

/** Weeks fetched by the whole chain (a first import paused for the rate limit runs as several jobs). */
export const chainWeeks = (run: SyncRun) =>
  (run.data.reason === 'requeue' ? (run.data.chainWeeks ?? 0) : 0) + run.result.weeksFetched;

/** The member's Open Humans token; with `rejected`, a refreshed one after a 401. */
export const ohToken = (run: SyncRun, rejected?: string) =>
  run.ctx.accounts.ohAccessToken(run.memberId, rejected ? { rejected } : {});

export async function publish(run: SyncRun): Promise<PublishResult> {
  const r = await publishStoryline(run.ctx, run.memberId, (rejected) => ohToken(run, rejected));
  if (r.published) run.result.published = true;
  run.progress.unpublished = 0;
  return r;
}

/** Publishes mid-sync when the checkpoint policy allows it; true when it uploaded. */
export async function checkpoint(run: SyncRun, trigger: CheckpointTrigger): Promise<boolean> {
  const { ctx, memberId } = run;
  const range = await ctx.weeks.range(memberId);
  const current = await ctx.publishing.current(memberId);
  const allowed = shouldPublishCheckpoint({
    trigger,
    storedBytes: range.bytes,
    publishedBytes: current ? current.size : null,
    estimatedFinalBytes: estimateFinalBytes({
      storedBytes: range.bytes,
      storedWeeks: range.weeks,
      totalWeeks: Math.max(run.progress.total, range.weeks),
    }),
  });
  if (!allowed) return false;
  return (await publish(run)).published;
}

export async function flushProgress(run: SyncRun): Promise<void> {
  const p = run.progress;
  if (p.total === 0) return;
  await run.ctx.syncState.update(run.memberId, { weeksDone: p.done, unpublishedWeeks: p.unpublished });
}
