// The phases of a sync job, in the order sync-job.ts runs them: Moves access and profile, seed from Open Humans,
// edit scan (rolling deep scan or full scan), fetch, finish. Each works on the run (sync-run.ts).
import type { MovesProfile } from '../moves/client.ts';
import { isValidZone, todayIn, weekOfDate, weekSunday } from '../moves/weeks.ts';
import { plural } from '../util/time-words.ts';
import { ROUTINE_REASONS } from '../jobs/queue.ts';
import { BudgetedMoves } from './budgeted-moves.ts';
import { deepScanStateOf, nextDeepScanStep } from './deep-scan.ts';
import { findEditedWeeks } from './edits.ts';
import { planSync, type StoredWeekInfo, type SyncPlan } from './plan.ts';
import { prefetchInOrder } from './prefetch.ts';
import { stopIfRemovalUnderWay } from './removal-stop.ts';
import { ACCUMULATED_CHECK_WEEKS } from './publish-policy.ts';
import { seedFromOpenHumans } from './seed.ts';
import {
  chainWeeks,
  checkpoint,
  flushProgress,
  isRoutine,
  ohToken,
  publish,
  type SyncRun,
} from './sync-run.ts';

/** Progress (weeksDone) is written at most this often during the fetch loop, not once per week. Real ms. */
export const PROGRESS_EVERY_MS = 500;

export interface ProfileDates {
  firstDate: string;
  timeZone: string;
}

/** What the phases before the fetch know about the member's history. */
export interface History {
  profile: ProfileDates;
  stored: StoredWeekInfo[];
  /** Edits since this moment are looked for; null on a first sync. */
  since: Date | null;
}

/**
 * A continuation (requeue) of a chain skips the seed look-up and the edit scan: the chain's first run did them,
 * and under a tight budget every request (and every moment) goes to weeks.
 */
export const isContinuation = (run: SyncRun) =>
  run.data.reason === 'requeue' && (run.start.state?.lastSyncStartedAt ?? null) !== null;

// --- Phase 1: Moves access and the profile -------------------------------------------------------------------

/** The budgeted Moves client for this job, on a fresh token. */
export async function connectMoves(run: SyncRun): Promise<BudgetedMoves> {
  const { ctx, memberId } = run;
  const account = run.start.account!;
  const token = await ctx.accounts.movesAccess(memberId);
  run.moves = new BudgetedMoves(
    ctx,
    memberId,
    { movesUserId: account.movesUserId, tokenIssuedAt: token.issuedAt, routine: isRoutine(run.data) },
    token.accessToken,
    (rejected) => ctx.accounts.movesAccess(memberId, { rejected }),
  );
  return run.moves;
}

/** Stores a profile read from Moves (an unknown zone becomes UTC); later messages use its zone. */
async function saveProfile(run: SyncRun, p: MovesProfile): Promise<ProfileDates> {
  const timeZone = isValidZone(p.timeZone) ? p.timeZone : 'UTC';
  await run.ctx.accounts.saveMovesProfile(run.memberId, { firstDate: p.firstDate, timeZone });
  // The member's units and first weekday follow it unless they chose otherwise.
  if (p.localization) await run.ctx.accounts.saveMovesLocalization(run.memberId, p.localization);
  run.zone = timeZone;
  return { firstDate: p.firstDate, timeZone };
}

/**
 * The profile is read on a member's first sync and when they ask for an update. Continuations and routine
 * updates (the scheduler, a notification) use the stored copy: under a shared budget every request counts.
 * The rolling deep scan refreshes it once per cycle.
 */
export async function profilePhase(run: SyncRun, moves: BudgetedMoves): Promise<ProfileDates> {
  const account = run.start.account!;
  const cached =
    account.firstDate && account.timeZone
      ? { firstDate: account.firstDate, timeZone: account.timeZone }
      : null;
  if (cached && (isContinuation(run) || ROUTINE_REASONS.has(run.data.reason))) return cached;
  return saveProfile(run, await moves.profile());
}

// --- Phase 2: seed from the member's existing Open Humans file -----------------------------------------------

export async function seedPhase(run: SyncRun, profile: ProfileDates): Promise<History> {
  const { ctx, memberId } = run;
  const history: History = {
    profile,
    stored: await ctx.weeks.list(memberId),
    since: run.start.state?.lastSyncStartedAt ?? null,
  };
  if (isContinuation(run) || (await ctx.publishing.current(memberId))) return history;
  // No file of ours is recorded as current: a member of the original app (or one whose first sync never got to
  // publish) may have one on Open Humans. It becomes current, so the next publish replaces it, and its days
  // fill the weeks not stored yet (an archive import or an earlier run may have stored some).
  const seed = await seedFromOpenHumans(ctx, memberId, await ohToken(run), {
    timeZone: profile.timeZone,
    skipWeeks: new Set(history.stored.map((w) => w.week)),
  });
  if (!(seed.seeded && seed.fileCreated && seed.weeks > 0)) return history;
  // Days edited after the original app wrote its file must be looked for: the deep scan's first cycle starts
  // from the file's creation.
  const since = history.since && history.since < seed.fileCreated ? history.since : seed.fileCreated;
  await ctx.syncState.update(memberId, {
    lastSyncStartedAt: since,
    deepScanCursor: null,
    deepScanSince: null,
    deepScanCycleStartedAt: null,
  });
  return { profile, stored: await ctx.weeks.list(memberId), since };
}

// --- Phase 3: edited days --------------------------------------------------------------------------------------

/**
 * Routine updates take one step of the rolling deep scan (src/sync/deep-scan.ts): a 31-day window of old days
 * edited since the last pass over them, or, once a cycle, the profile. An update somebody asked for scans the
 * whole stored history for edits since the last sync. Edited weeks are marked stale, so the fetch takes them.
 */
export async function editScanPhase(
  run: SyncRun,
  moves: BudgetedMoves,
  history: History,
  now: Date,
): Promise<History> {
  const { ctx, memberId } = run;
  const completeWeeks = history.stored.filter((s) => s.complete).map((s) => s.week);
  if (isContinuation(run) || !history.since || completeWeeks.length === 0) return history;
  const scan = ROUTINE_REASONS.has(run.data.reason)
    ? await deepScanStep(run, moves, { ...history, since: history.since }, completeWeeks, now)
    : {
        profile: history.profile,
        edited: await findEditedWeeks(moves, {
          completeWeeks,
          since: history.since,
          firstDate: history.profile.firstDate,
          today: todayIn(history.profile.timeZone, now),
        }),
      };
  await ctx.weeks.markStale(memberId, scan.edited);
  if (!scan.edited.length) return { ...history, profile: scan.profile };
  await ctx.syncState.recordEvent(
    memberId,
    'edits_found',
    `${scan.edited.length} past weeks changed in Moves`,
    {
      weeks: scan.edited,
    },
  );
  return { ...history, profile: scan.profile, stored: await ctx.weeks.list(memberId) };
}

/** One step of the rolling deep scan: the profile, or the edited weeks of one window of days. */
async function deepScanStep(
  run: SyncRun,
  moves: BudgetedMoves,
  history: History & { since: Date },
  completeWeeks: string[],
  now: Date,
): Promise<{ profile: ProfileDates; edited: string[] }> {
  const step = nextDeepScanStep(deepScanStateOf(run.start.state ?? null), {
    firstDate: history.profile.firstDate,
    today: todayIn(history.profile.timeZone, now),
    now,
    historySyncedSince: history.since,
  });
  let result = { profile: history.profile, edited: [] as string[] };
  if (step.kind === 'profile') result.profile = await saveProfile(run, await moves.profile());
  else {
    const complete = new Set(completeWeeks);
    const dates = await moves.changedDays({ from: step.from, to: step.to, updatedSince: step.updatedSince });
    result = { ...result, edited: [...new Set(dates.map(weekOfDate))].filter((w) => complete.has(w)).sort() };
  }
  await run.ctx.syncState.update(run.memberId, {
    deepScanCursor: step.next.cursor,
    deepScanSince: step.next.since,
    deepScanCycleStartedAt: step.next.cycleStartedAt,
  });
  return result;
}

// --- Phase 4: fetch the planned weeks ------------------------------------------------------------------------

/** The weeks to fetch, and the progress the dashboard shows for them. */
export async function planPhase(run: SyncRun, history: History, now: Date): Promise<SyncPlan> {
  const { profile, stored } = history;
  const plan = planSync({ firstDate: profile.firstDate, timeZone: profile.timeZone, now, stored });
  const { progress } = run;
  progress.total = plan.allWeeks.length;
  progress.done = plan.allWeeks.length - plan.weeks.length;
  progress.unpublished = run.start.state?.unpublishedWeeks ?? 0;
  await run.ctx.syncState.update(run.memberId, { weeksDone: progress.done, weeksTotal: progress.total });
  return plan;
}

/**
 * The hot path: fetch (a few weeks ahead), store, and only occasionally anything else. A shutdown or a spent
 * budget stops new requests (BudgetedMoves checks both before each); weeks already fetched are still stored.
 */
export async function fetchPhase(run: SyncRun, moves: BudgetedMoves, plan: SyncPlan, zone: string) {
  const { ctx, memberId, progress } = run;
  let lastFlush = ctx.clock.now();
  let sinceCheck = 0;
  for await (const { key: week, value: res } of prefetchInOrder(plan.weeks, (w) => moves.week(w))) {
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
      daySteps: res.daySteps,
      days: res.days,
      complete: weekSunday(week) < todayIn(zone, ctx.clock.now()),
      source: 'moves',
    });
    run.result.weeksFetched++;
    progress.done++;
    if (changed) {
      progress.unpublished++;
      sinceCheck++;
    }
    if (ctx.clock.now() - lastFlush >= PROGRESS_EVERY_MS) {
      await flushProgress(run);
      await stopIfRemovalUnderWay(ctx, memberId);
      lastFlush = ctx.clock.now();
    }
    if (sinceCheck >= ACCUMULATED_CHECK_WEEKS) {
      sinceCheck = 0;
      if (await checkpoint(run, 'accumulated')) await ctx.syncState.update(memberId, { status: 'running' });
    }
  }
}

// --- Phase 5: publish and finish ------------------------------------------------------------------------------

export async function finishPhase(run: SyncRun, moves: BudgetedMoves, plan: SyncPlan): Promise<void> {
  const { ctx, memberId, result } = run;
  await publish(run);
  await ctx.syncState.update(memberId, {
    status: 'up_to_date',
    lastSuccessAt: ctx.clock.date(),
    lastError: null,
    nextRunAt: null,
    weeksDone: plan.allWeeks.length,
    unpublishedWeeks: 0,
  });
  const weeks = chainWeeks(run);
  await ctx.syncState.recordEvent(memberId, 'completed', describeCompletion(weeks, result.published), {
    weeksFetched: result.weeksFetched,
    chainWeeks: weeks,
    movesRequests: moves.requests,
    inlineWaits: moves.inlineWaits,
  });
  result.movesRequests = moves.requests;
}

/** `weeks`: fetched by the whole chain (a first import paused for the rate limit runs as several jobs). */
function describeCompletion(weeks: number, published: boolean): string {
  return `Up to date: fetched ${plural(weeks, 'week')}${published ? ' and uploaded the file' : ', file unchanged'}`;
}
