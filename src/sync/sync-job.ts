// The sync job for one member (pg-boss stately + singletonKey = member id, so never two at once): seed from the
// existing Open Humans file if nothing is stored, find edited days, fetch the planned weeks under the shared
// rate budget, publish, and keep the sync state current for the dashboard throughout. The phases are in
// sync-phases.ts, the run they share in sync-run.ts; the failure path is below.
import type { AppContext } from '../context.ts';
import { AuthRefusedError, SERVICE_NAMES, UpstreamError } from '../upstream/errors.ts';
import { errorReason, newErrorRef } from '../safe-error.ts';
import { reconnectNeeded } from '../accounts/reconnect.ts';
import { clockTime, displayZone } from '../util/time-words.ts';
import { failedRunsAfter, MAX_FAILED_RUNS, requeueDelayMs } from './backoff.ts';
import { BudgetSpentError, ShutdownError } from './budgeted-moves.ts';
import { FAILED_RUN, noticeIfDue } from './notices.ts';
import type { SyncJobData } from '../jobs/queue.ts';
import type { CheckpointTrigger } from './publish-policy.ts';
import { RemovalUnderWayError, stopIfRemovalUnderWay } from './removal-stop.ts';
import {
  connectMoves,
  editScanPhase,
  fetchPhase,
  finishPhase,
  isContinuation,
  planPhase,
  profilePhase,
  seedPhase,
} from './sync-phases.ts';
import {
  chainWeeks,
  checkpoint,
  flushProgress,
  isRoutine,
  newSyncRun,
  publish,
  type SyncOutcome,
  type SyncResult,
  type SyncRun,
} from './sync-run.ts';

export type { SyncOutcome, SyncResult } from './sync-run.ts';
export { PROGRESS_EVERY_MS } from './sync-phases.ts';

/**
 * A continuation is queued this long before the reset it waits for: pg-boss polls every 0.5 s, so the job is
 * picked up around the reset instead of up to a polling interval after it, and waits the rest of the moment in
 * the budget (MAX_INLINE_WAIT_MS). Real milliseconds.
 */
export const REQUEUE_LEAD_MS = 600;

export async function runSyncJob(ctx: AppContext, data: SyncJobData): Promise<SyncResult> {
  const { memberId } = data;
  const log = ctx.logger.child({ memberId, job: 'sync' });
  const startedAt = ctx.clock.date();
  const done = (run: SyncRun | undefined, outcome: SyncOutcome): SyncResult => {
    const result = run?.result ?? { outcome, weeksFetched: 0, movesRequests: 0, published: false };
    result.outcome = outcome;
    ctx.metrics.syncJobs.inc({ outcome });
    return result;
  };

  const started = await ctx.accounts.syncStart(memberId);
  // Import-only mode: a Moves account left from an earlier deployment is not asked; imports are published.
  const row = started && !ctx.config.moves.enabled ? { ...started, account: undefined } : started;
  if (!row?.account) {
    if (row && (row.state?.unpublishedWeeks ?? 0) > 0 && !row.member.ohNeedsReauth) {
      // No Moves account, so no Moves time zone: times in its messages are in UTC.
      const run = newSyncRun(ctx, data, row, { startedAt, zone: 'UTC' });
      return done(run, await publishWithoutMoves(run));
    }
    log.info('no connected Moves account: nothing to sync');
    if (row) await ctx.syncState.update(memberId, { status: 'idle', nextRunAt: null });
    return done(undefined, 'skipped');
  }
  const refused = reconnectNeeded(row.member, row.account);
  if (refused) {
    await markNeedsReauth(ctx, memberId, refused);
    return done(undefined, 'needs_reauth');
  }
  const run = newSyncRun(ctx, data, row, { startedAt, zone: displayZone(row.account.timeZone) });
  try {
    await runPhases(run);
    return done(run, 'completed');
  } catch (err) {
    run.result.movesRequests = run.moves?.requests ?? 0;
    await flushProgress(run).catch(() => {});
    return done(run, await handleFailure(run, err));
  }
}

/** Profile, seed, edit scan, fetch, finish: each phase in sync-phases.ts. */
async function runPhases(run: SyncRun): Promise<void> {
  const { ctx, memberId } = run;
  await stopIfRemovalUnderWay(ctx, memberId);
  await ctx.syncState.update(memberId, { status: 'running', nextRunAt: null });
  await ctx.rateBudget.prune();
  const moves = await connectMoves(run);
  const profile = await profilePhase(run, moves);
  const seeded = await seedPhase(run, profile);
  const now = ctx.clock.date();
  const history = await editScanPhase(run, moves, seeded, now);
  if (!isContinuation(run)) await ctx.syncState.update(memberId, { lastSyncStartedAt: run.startedAt });
  const plan = await planPhase(run, history, now);
  await fetchPhase(run, moves, plan, history.profile.timeZone);
  await finishPhase(run, moves, plan);
}

/** A member without Moves whose imported weeks are not on Open Humans yet: publish them, nothing else. */
async function publishWithoutMoves(run: SyncRun): Promise<SyncOutcome> {
  try {
    await publish(run);
    await run.ctx.syncState.update(run.memberId, {
      status: 'idle',
      lastSuccessAt: run.ctx.clock.date(),
      lastError: null,
      nextRunAt: null,
      unpublishedWeeks: 0,
    });
    return 'completed';
  } catch (err) {
    return handleFailure(run, err);
  }
}

// --- The failure path --------------------------------------------------------------------------------------------

/** The outcome for `err`; a defect is recorded and rethrown (pg-boss retries it with its backoff). */
async function handleFailure(run: SyncRun, err: unknown): Promise<SyncOutcome> {
  // The member's data is being removed: nothing to record or requeue, the removal waits for this run's end.
  if (err instanceof RemovalUnderWayError) return 'skipped';
  if (err instanceof BudgetSpentError) return rateLimited(run, err);
  if (err instanceof ShutdownError) {
    // Stored weeks are the checkpoint; the next worker publishes. Leave quickly.
    await run.ctx.syncState.recordEvent(run.memberId, 'paused', err.message);
    await run.ctx.queue.enqueueSync(run.memberId, 'requeue', {
      routine: isRoutine(run.data),
      chainWeeks: chainWeeks(run),
    });
    return 'shutdown';
  }
  if (err instanceof AuthRefusedError) {
    await markNeedsReauth(run.ctx, run.memberId, err.service);
    return 'needs_reauth';
  }
  if (err instanceof UpstreamError && err.retryable) return retryLater(run, err);
  return defect(run, err);
}

/** A checkpoint publish where the run has Moves weeks to publish (a run without Moves has none). */
const checkpointIfAny = (run: SyncRun, trigger: CheckpointTrigger) =>
  run.start.account ? checkpoint(run, trigger) : Promise.resolve(false);

async function rateLimited(run: SyncRun, err: BudgetSpentError): Promise<SyncOutcome> {
  const { ctx, memberId, data, result } = run;
  // Checkpoint: the fetched weeks are stored; publish them when the policy allows it (this happens while the
  // window resets, so it costs the fetching nothing), then come back at the reset.
  ctx.metrics.rateLimitWaits.inc();
  const trigger = err.window === 'hour' ? 'long_wait' : 'short_wait';
  const uploaded = await safely(ctx, memberId, () => checkpointIfAny(run, trigger));
  if (uploaded === 'needs_reauth') return 'needs_reauth';
  if (uploaded === 'removal') return 'skipped';
  // A routine update on the shared per-app budget stops at its share: say so, it is not the member's doing.
  const shared = isRoutine(data) && ctx.config.moves.rateScope === 'app';
  const paused = `Paused until ${clockTime(err.resetAt, run.zone)}: ${err.message}.`;
  const why = shared
    ? `${paused} Routine updates use at most half of the Moves rate limit that all members share, so that first imports and requested updates go first.`
    : paused;
  await ctx.syncState.recordEvent(memberId, 'rate_limited', why, {
    resetAt: err.resetAt.toISOString(),
    window: err.window,
    after429: err.after429,
    weeksFetched: result.weeksFetched,
  });
  // Queued a moment before the reset (pickup latency); the budget itself never sends before the window edge.
  const startAfter = new Date(Math.max(ctx.clock.now(), err.resetAt.getTime() - REQUEUE_LEAD_MS));
  await ctx.queue.enqueueSync(memberId, 'requeue', {
    startAfter,
    routine: isRoutine(data),
    chainWeeks: chainWeeks(run),
    keepState: true,
  });
  // The one write of the failure path: the requeue above leaves the state to it.
  await ctx.syncState.update(memberId, { status: 'waiting_rate_limit', nextRunAt: err.resetAt });
  result.nextRunAt = err.resetAt;
  return 'rate_limited';
}

/** An upstream failure that may pass: back off and requeue, or give up after MAX_FAILED_RUNS empty runs. */
async function retryLater(run: SyncRun, err: UpstreamError): Promise<SyncOutcome> {
  const { ctx, memberId, data, result } = run;
  const words = plainWords(err);
  // Progress resets the backoff: only runs in a row that got nothing done count.
  const failedRuns = failedRunsAfter(data.failedRuns ?? 0, result.weeksFetched > 0 || result.published);
  // Moves failed: publish what was fetched if the policy allows it (the backoff is a long wait). Open Humans
  // failed: the upload itself is what must wait.
  if (
    err.service === 'moves' &&
    (await safely(ctx, memberId, () => checkpointIfAny(run, 'long_wait'))) === 'removal'
  )
    return 'skipped';
  if (failedRuns > MAX_FAILED_RUNS) {
    await ctx.syncState.update(memberId, {
      status: 'error',
      lastError: `${words} Stopped retrying after ${MAX_FAILED_RUNS} attempts in a row that got nothing done; the next scheduled update tries again.`,
      lastErrorAt: ctx.clock.date(),
      nextRunAt: null,
    });
    await ctx.syncState.recordEvent(memberId, 'error', words, { failedRuns, gaveUp: true, ...FAILED_RUN });
    await noticeIfDue(ctx, memberId, 'failing', words);
    return 'failed';
  }
  // Scaled like the rate windows, so benchmarks and tests on a fast clock back off proportionally.
  const startAfter = new Date(ctx.clock.now() + requeueDelayMs(failedRuns) / ctx.config.moves.timeScale);
  await ctx.syncState.recordEvent(memberId, 'error', words, {
    failedRuns,
    retryAt: startAfter.toISOString(),
    ...FAILED_RUN,
  });
  await noticeIfDue(ctx, memberId, 'failing', words);
  await ctx.queue.enqueueSync(memberId, 'requeue', {
    startAfter,
    failedRuns,
    routine: isRoutine(data),
    chainWeeks: chainWeeks(run),
    keepState: true,
  });
  // The one write of the failure path: the requeue above leaves the state to it.
  await ctx.syncState.update(memberId, {
    status: 'error',
    lastError: words,
    lastErrorAt: ctx.clock.date(),
    nextRunAt: startAfter,
  });
  result.nextRunAt = startAfter;
  return 'retry_later';
}

/**
 * A defect (not an upstream condition): record it in plain words with a reference to the log line, and let
 * pg-boss retry with its backoff. The member may have left meanwhile: then there is no row to record it in.
 */
async function defect(run: SyncRun, err: unknown): Promise<never> {
  const { ctx, memberId } = run;
  const log = ctx.logger.child({ memberId, job: 'sync' });
  const ref = newErrorRef();
  log.error({ err, ref, operation: 'sync' }, 'sync failed');
  const message = `The update failed unexpectedly (reference ${ref}): ${plainWords(err)}`;
  try {
    await ctx.syncState.update(memberId, {
      status: 'error',
      lastError: message,
      lastErrorAt: ctx.clock.date(),
    });
    await ctx.syncState.recordEvent(memberId, 'error', message, FAILED_RUN);
    await noticeIfDue(ctx, memberId, 'failing', message);
  } catch (recordErr) {
    log.warn({ err: recordErr, ref }, 'could not record the failure (member gone?)');
  }
  ctx.metrics.syncJobs.inc({ outcome: 'failed' });
  throw err;
}

/** Runs a checkpoint publish; its own failure is recorded and never hides the original reason. */
async function safely(
  ctx: AppContext,
  memberId: number,
  fn: () => Promise<unknown>,
): Promise<'ok' | 'failed' | 'needs_reauth' | 'removal'> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (err instanceof RemovalUnderWayError) return 'removal';
    if (err instanceof AuthRefusedError) {
      await markNeedsReauth(ctx, memberId, err.service);
      return 'needs_reauth';
    }
    ctx.logger.warn({ err, memberId, operation: 'checkpoint upload' }, 'checkpoint upload failed');
    await ctx.syncState.recordEvent(memberId, 'error', `Uploading to Open Humans failed: ${plainWords(err)}`);
    return 'failed';
  }
}

async function markNeedsReauth(ctx: AppContext, memberId: number, service: 'moves' | 'openhumans') {
  const name = SERVICE_NAMES[service];
  await ctx.accounts.markNeedsReconnect(memberId, service);
  const message =
    service === 'moves'
      ? `${name} no longer accepts our access: connect your Moves account again to resume updates.`
      : `${name} no longer accepts our access: sign in again to resume updates.`;
  // The sync stops here; the account rows say why (src/accounts/reconnect.ts).
  await ctx.syncState.update(memberId, {
    status: 'idle',
    lastError: message,
    lastErrorAt: ctx.clock.date(),
    nextRunAt: null,
  });
  await ctx.syncState.recordEvent(memberId, 'needs_reauth', message, { service });
  // When Open Humans is the one refusing, the message cannot go out either: the attempt is recorded for /admin.
  await noticeIfDue(ctx, memberId, 'needs_reconnect');
}

function plainWords(err: unknown): string {
  const m = errorReason(err);
  return /[.!?]$/.test(m) ? m : `${m}.`;
}
