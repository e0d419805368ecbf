// The sync job for one member (pg-boss stately + singletonKey = member id, so never two at once):
// seed from the existing Open Humans file if nothing is stored, find edited days, fetch the planned weeks under
// the shared rate budget, publish, and keep the sync state current for the dashboard throughout.
import type { AppContext } from '../context.ts';
import { AuthRefusedError, SERVICE_NAMES, UpstreamError } from '../upstream/errors.ts';
import { errorReason, newErrorRef } from '../safe-error.ts';
import { reconnectNeeded } from '../accounts/reconnect.ts';
import { isValidZone, todayIn, weekOfDate, weekSunday } from '../moves/weeks.ts';
import { failedRunsAfter, MAX_FAILED_RUNS, requeueDelayMs } from './backoff.ts';
import { clockTime, displayZone, plural } from '../util/time-words.ts';
import { BudgetSpentError, BudgetedMoves, ShutdownError } from './budgeted-moves.ts';
import { deepScanStateOf, nextDeepScanStep } from './deep-scan.ts';
import { findEditedWeeks } from './edits.ts';
import { FAILED_RUN, noticeIfDue } from './notices.ts';
import { ROUTINE_REASONS, type SyncJobData } from '../jobs/queue.ts';
import { planSync } from './plan.ts';
import { prefetchInOrder } from './prefetch.ts';
import { publishStoryline } from './publish.ts';
import {
  ACCUMULATED_CHECK_WEEKS,
  estimateFinalBytes,
  shouldPublishCheckpoint,
  type CheckpointTrigger,
} from './publish-policy.ts';
import { pruneBudget } from './rate-budget.ts';
import { seedFromOpenHumans } from './seed.ts';

/**
 * A continuation is queued this long before the reset it waits for: pg-boss polls every 0.5 s, so the job is
 * picked up around the reset instead of up to a polling interval after it, and waits the rest of the moment in
 * the budget (MAX_INLINE_WAIT_MS). Real milliseconds.
 */
export const REQUEUE_LEAD_MS = 600;
/** Progress (weeksDone) is written at most this often during the fetch loop, not once per week. Real ms. */
export const PROGRESS_EVERY_MS = 500;

export type SyncOutcome =
  'completed' | 'rate_limited' | 'needs_reauth' | 'retry_later' | 'failed' | 'shutdown' | 'skipped';

export interface SyncResult {
  outcome: SyncOutcome;
  weeksFetched: number;
  movesRequests: number;
  published: boolean;
  nextRunAt?: Date;
}

export async function runSyncJob(ctx: AppContext, data: SyncJobData): Promise<SyncResult> {
  const { memberId } = data;
  const log = ctx.logger.child({ memberId, job: 'sync' });
  const startedAt = ctx.clock.date();
  const result: SyncResult = { outcome: 'completed', weeksFetched: 0, movesRequests: 0, published: false };
  const done = (outcome: SyncOutcome) => {
    result.outcome = outcome;
    ctx.metrics.syncJobs.inc({ outcome });
    return result;
  };

  const row = await ctx.accounts.syncStart(memberId);
  if (!row?.account) {
    if (row && (row.state?.unpublishedWeeks ?? 0) > 0 && !row.member.ohNeedsReauth)
      return done(await publishWithoutMoves(ctx, data, result));
    log.info('no connected Moves account: nothing to sync');
    if (row) await ctx.syncState.update(memberId, { status: 'idle', nextRunAt: null });
    return done('skipped');
  }
  const refused = reconnectNeeded(row.member, row.account);
  if (refused) {
    await markNeedsReauth(ctx, memberId, refused);
    return done('needs_reauth');
  }
  const previousStart = row.state?.lastSyncStartedAt ?? null;
  /** The member's zone for times in messages; the profile read below may correct it. */
  let memberZone = displayZone(row.account.timeZone);
  let moves: BudgetedMoves | undefined;
  const ohToken = (rejected?: string) => ctx.accounts.ohAccessToken(memberId, rejected ? { rejected } : {});
  const publish = async () => {
    const r = await publishStoryline(ctx, memberId, ohToken);
    if (r.published) result.published = true;
    progress.unpublished = 0;
    return r;
  };
  const progress: Progress = { done: 0, total: 0, unpublished: row.state?.unpublishedWeeks ?? 0 };
  /** Publishes mid-sync when the checkpoint policy allows it; true when it uploaded. */
  const checkpoint = async (trigger: CheckpointTrigger): Promise<boolean> => {
    const range = await ctx.weeks.range(memberId);
    const current = await ctx.publishing.current(memberId);
    const publishedBytes = current ? current.size : null;
    const allowed = shouldPublishCheckpoint({
      trigger,
      storedBytes: range.bytes,
      publishedBytes,
      estimatedFinalBytes: estimateFinalBytes({
        storedBytes: range.bytes,
        storedWeeks: range.weeks,
        totalWeeks: Math.max(progress.total, range.weeks),
      }),
    });
    if (!allowed) return false;
    return (await publish()).published;
  };

  try {
    await ctx.syncState.update(memberId, { status: 'running', nextRunAt: null });
    await pruneBudget(ctx);
    const token = await ctx.accounts.movesAccess(memberId);
    moves = new BudgetedMoves(
      ctx,
      memberId,
      {
        movesUserId: row.account.movesUserId,
        tokenIssuedAt: token.issuedAt,
        routine: isRoutine(data),
      },
      token.accessToken,
      (rejected) => ctx.accounts.movesAccess(memberId, { rejected }),
    );

    // The profile is read on a member's first sync and when they ask for an update. Continuations and routine
    // updates (the scheduler, a notification) use the stored copy: under a shared budget every request counts.
    // The rolling deep scan refreshes it once per cycle.
    const continuation = data.reason === 'requeue' && previousStart !== null;
    const cached =
      row.account.firstDate && row.account.timeZone
        ? { firstDate: row.account.firstDate, timeZone: row.account.timeZone }
        : null;
    const saveProfile = async (p: { firstDate: string; timeZone: string }) => {
      const timeZone = isValidZone(p.timeZone) ? p.timeZone : 'UTC';
      await ctx.accounts.saveMovesProfile(memberId, { firstDate: p.firstDate, timeZone });
      memberZone = timeZone;
      return { firstDate: p.firstDate, timeZone };
    };
    let profile =
      cached && (continuation || ROUTINE_REASONS.has(data.reason))
        ? cached
        : await saveProfile(await moves.profile());

    let stored = await ctx.weeks.list(memberId);
    let historySince = previousStart;
    // Continuations (requeue) of a chain skip the look-up and the deep scan: the chain's first run did them, and
    // under a tight budget every request (and every moment) goes to weeks.
    if (!continuation && !(await ctx.publishing.current(memberId))) {
      // No file of ours is recorded as current: a member of the original app (or one whose first sync never
      // got to publish) may have one on Open Humans. It becomes current, so the next publish replaces it, and
      // its days fill the weeks not stored yet (an archive import or an earlier run may have stored some).
      const seed = await seedFromOpenHumans(ctx, memberId, await ohToken(), {
        timeZone: profile.timeZone,
        skipWeeks: new Set(stored.map((w) => w.week)),
      });
      if (seed.seeded && seed.fileCreated && seed.weeks > 0) {
        stored = await ctx.weeks.list(memberId);
        // Days edited after the original app wrote its file must be looked for: the deep scan's first cycle
        // starts from the file's creation.
        historySince = historySince && historySince < seed.fileCreated ? historySince : seed.fileCreated;
        await ctx.syncState.update(memberId, {
          lastSyncStartedAt: historySince,
          deepScanCursor: null,
          deepScanSince: null,
          deepScanCycleStartedAt: null,
        });
      }
    }

    // Edited days. Routine updates take one step of the rolling deep scan (src/sync/deep-scan.ts): a 31-day
    // window of old days edited since the last pass over them, or, once a cycle, the profile. An update somebody
    // asked for scans the whole stored history for edits since the last sync.
    const now = ctx.clock.date();
    const completeWeeks = stored.filter((s) => s.complete).map((s) => s.week);
    if (!continuation && historySince && completeWeeks.length > 0) {
      let edited: string[] = [];
      const today = todayIn(profile.timeZone, now);
      if (ROUTINE_REASONS.has(data.reason)) {
        const step = nextDeepScanStep(deepScanStateOf(row.state ?? null), {
          firstDate: profile.firstDate,
          today,
          now,
          historySyncedSince: historySince,
        });
        if (step.kind === 'profile') profile = await saveProfile(await moves.profile());
        else {
          const complete = new Set(completeWeeks);
          const dates = await moves.changedDays({
            from: step.from,
            to: step.to,
            updatedSince: step.updatedSince,
          });
          edited = [...new Set(dates.map(weekOfDate))].filter((w) => complete.has(w)).sort();
        }
        await ctx.syncState.update(memberId, {
          deepScanCursor: step.next.cursor,
          deepScanSince: step.next.since,
          deepScanCycleStartedAt: step.next.cycleStartedAt,
        });
      } else
        edited = await findEditedWeeks(moves, {
          completeWeeks,
          since: historySince,
          firstDate: profile.firstDate,
          today,
        });
      await ctx.weeks.markStale(memberId, edited);
      if (edited.length) {
        await ctx.syncState.recordEvent(
          memberId,
          'edits_found',
          `${edited.length} past weeks changed in Moves`,
          {
            weeks: edited,
          },
        );
        stored = await ctx.weeks.list(memberId);
      }
    }
    if (!continuation) await ctx.syncState.update(memberId, { lastSyncStartedAt: startedAt });
    const zone = profile.timeZone;

    const plan = planSync({ firstDate: profile.firstDate, timeZone: zone, now, stored });
    progress.total = plan.allWeeks.length;
    progress.done = plan.allWeeks.length - plan.weeks.length;
    progress.unpublished = row.state?.unpublishedWeeks ?? 0;
    await ctx.syncState.update(memberId, { weeksDone: progress.done, weeksTotal: progress.total });
    let lastFlush = ctx.clock.now();
    let sinceCheck = 0;

    // The hot path: fetch (a few weeks ahead), store, and only occasionally anything else. A shutdown or a spent
    // budget stops new requests (BudgetedMoves checks both before each); weeks already fetched are still stored.
    for await (const { key: week, value: res } of prefetchInOrder(plan.weeks, (w) => moves!.week(w))) {
      if (res.rejected.length)
        await ctx.syncState.recordEvent(
          memberId,
          'day_rejected',
          `Moves sent ${res.rejected.length === 1 ? 'a day' : `${res.rejected.length} days`} too large to keep (${res.rejected.map((r) => r.date).join(', ')}): ${res.rejected[0]!.reason}.`,
          { week, rejected: res.rejected },
        );
      const changed = await ctx.weeks.save(memberId, {
        week,
        daysJson: res.daysJson,
        dates: res.dates,
        complete: weekSunday(week) < todayIn(zone, ctx.clock.now()),
        source: 'moves',
      });
      result.weeksFetched++;
      progress.done++;
      if (changed) {
        progress.unpublished++;
        sinceCheck++;
      }
      if (ctx.clock.now() - lastFlush >= PROGRESS_EVERY_MS) {
        await flushProgress(ctx, memberId, progress);
        lastFlush = ctx.clock.now();
      }
      if (sinceCheck >= ACCUMULATED_CHECK_WEEKS) {
        sinceCheck = 0;
        if (await checkpoint('accumulated')) await ctx.syncState.update(memberId, { status: 'running' });
      }
    }

    await publish();
    const finishedAt = ctx.clock.date();
    await ctx.syncState.update(memberId, {
      status: 'up_to_date',
      lastSuccessAt: finishedAt,
      lastError: null,
      nextRunAt: null,
      weeksDone: plan.allWeeks.length,
      unpublishedWeeks: 0,
    });
    const chainWeeks = (data.reason === 'requeue' ? (data.chainWeeks ?? 0) : 0) + result.weeksFetched;
    await ctx.syncState.recordEvent(memberId, 'completed', describeCompletion(chainWeeks, result.published), {
      weeksFetched: result.weeksFetched,
      chainWeeks,
      movesRequests: moves.requests,
      inlineWaits: moves.inlineWaits,
    });
    result.movesRequests = moves.requests;
    return done('completed');
  } catch (err) {
    result.movesRequests = moves?.requests ?? 0;
    await flushProgress(ctx, memberId, progress).catch(() => {});
    return handleFailure(ctx, data, err, result, checkpoint, memberZone).then(done);
  }
}

/** A member without Moves whose imported weeks are not on Open Humans yet: publish them, nothing else. */
async function publishWithoutMoves(
  ctx: AppContext,
  data: SyncJobData,
  result: SyncResult,
): Promise<SyncOutcome> {
  const { memberId } = data;
  try {
    const r = await publishStoryline(ctx, memberId, (rejected) =>
      ctx.accounts.ohAccessToken(memberId, rejected ? { rejected } : {}),
    );
    result.published = r.published;
    await ctx.syncState.update(memberId, {
      status: 'idle',
      lastSuccessAt: ctx.clock.date(),
      lastError: null,
      nextRunAt: null,
      unpublishedWeeks: 0,
    });
    return 'completed';
  } catch (err) {
    // No Moves account, so no Moves time zone: times in its messages are in UTC.
    return handleFailure(ctx, data, err, result, async () => false, 'UTC');
  }
}

async function handleFailure(
  ctx: AppContext,
  data: SyncJobData,
  err: unknown,
  result: SyncResult,
  checkpoint: (trigger: CheckpointTrigger) => Promise<boolean>,
  zone: string,
): Promise<SyncOutcome> {
  const { memberId } = data;
  const chainWeeks = (data.reason === 'requeue' ? (data.chainWeeks ?? 0) : 0) + result.weeksFetched;
  const log = ctx.logger.child({ memberId, job: 'sync' });

  if (err instanceof BudgetSpentError) {
    // Checkpoint: the fetched weeks are stored; publish them when the policy allows it (this happens while the
    // window resets, so it costs the fetching nothing), then come back at the reset.
    ctx.metrics.rateLimitWaits.inc();
    const trigger = err.window === 'hour' ? 'long_wait' : 'short_wait';
    const uploaded = await safely(ctx, memberId, () => checkpoint(trigger));
    if (uploaded === 'needs_reauth') return 'needs_reauth';
    // A routine update on the shared per-app budget stops at its share: say so, it is not the member's doing.
    const shared = isRoutine(data) && ctx.config.moves.rateScope === 'app';
    const paused = `Paused until ${clockTime(err.resetAt, zone)}: ${err.message}.`;
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
      chainWeeks,
      keepState: true,
    });
    // The one write of the failure path: the requeue above leaves the state to it.
    await ctx.syncState.update(memberId, { status: 'waiting_rate_limit', nextRunAt: err.resetAt });
    result.nextRunAt = err.resetAt;
    return 'rate_limited';
  }

  if (err instanceof ShutdownError) {
    // Stored weeks are the checkpoint; the next worker publishes. Leave quickly.
    await ctx.syncState.recordEvent(memberId, 'paused', err.message);
    await ctx.queue.enqueueSync(memberId, 'requeue', { routine: isRoutine(data), chainWeeks });
    return 'shutdown';
  }

  if (err instanceof AuthRefusedError) {
    await markNeedsReauth(ctx, memberId, err.service);
    return 'needs_reauth';
  }

  const words = plainWords(err);
  if (err instanceof UpstreamError && err.retryable) {
    const failedRuns = failedRunsAfter(data.failedRuns ?? 0, result.weeksFetched > 0 || result.published);
    // Moves failed: publish what was fetched if the policy allows it (the backoff is a long wait). Open Humans
    // failed: the upload itself is what must wait.
    if (err.service === 'moves') await safely(ctx, memberId, () => checkpoint('long_wait'));
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
      chainWeeks,
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

  // A defect (not an upstream condition): record it in plain words with a reference to the log line, and let
  // pg-boss retry with its backoff. The member may have left meanwhile: then there is no row to record it in.
  const ref = newErrorRef();
  log.error({ err, ref, operation: 'sync' }, 'sync failed');
  const message = `The update failed unexpectedly (reference ${ref}): ${words}`;
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
): Promise<'ok' | 'failed' | 'needs_reauth'> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
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

/** A routine update, or a continuation of one. */
const isRoutine = (data: SyncJobData) => data.routine ?? ROUTINE_REASONS.has(data.reason);

interface Progress {
  done: number;
  total: number;
  unpublished: number;
}

async function flushProgress(ctx: AppContext, memberId: number, p: Progress): Promise<void> {
  if (p.total === 0) return;
  await ctx.syncState.update(memberId, { weeksDone: p.done, unpublishedWeeks: p.unpublished });
}

function plainWords(err: unknown): string {
  const m = errorReason(err);
  return /[.!?]$/.test(m) ? m : `${m}.`;
}

/** `weeks`: fetched by the whole chain (a first import paused for the rate limit runs as several jobs). */
function describeCompletion(weeks: number, published: boolean): string {
  return `Up to date: fetched ${plural(weeks, 'week')}${published ? ' and uploaded the file' : ', file unchanged'}`;
}
