// steady-state: members already in sync, with histories spread between 1 and 5 years, on one per-app budget
// (60/min, 2,000/h). A day passes; the scheduler pass finds them all stale and the workers bring each up to date.
// What one routine update costs in Moves requests and bytes, what share of the budget the routine work takes, how
// long until every member is current (in emulated hours), and an immediate second round where nothing changed.
// Then the same routine update for a few members with real histories, beside the original app's.
//
// Seeding at scale (run "scale"): storing 10,000 real 1–5-year histories would take hundreds of GB, so each
// member's weeks up to two weeks ago are stored as empty placeholder weeks (complete, as a finished backfill
// leaves them) and only the last two weeks are fetched from Moves with the member's own token, stored with the
// engine's week store and published with publishStoryline (a real upload). What a routine update asks Moves does not
// depend on the stored bytes, only on the history's length (the plan and the rolling deep scan); the bytes
// published in the main round are those of these short files. Run "versus original" uses real histories.
import type { AppContext } from '../../src/context.ts';
import { measureOriginal, runOriginalOn, versusOriginal } from '../baselines/compare.ts';
import { createBenchContext, createBenchDatabase, postgresReachable } from '../harness/context.ts';
import {
  startBenchEmulators,
  trafficSince,
  type BenchEmulators,
  type Traffic,
} from '../harness/emulators.ts';
import { connectMembers, firstDateYearsAgo, type BenchMember, type MemberSpec } from '../harness/members.ts';
import { waitForSyncs } from '../harness/progress.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { requireSyncHandler, startInProcessWorker, startWorkerProcesses } from '../harness/workers.ts';
import { HOUR_LIMIT, MINUTE_LIMIT } from './backfill.ts';

const DAY_MS = 86_400_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC'];
/** The staleness window members must be kept within (STALE_AFTER_HOURS' default). */
const STALE_HOURS = 96;

/** `n` members whose histories start between 1 and 5 years ago, evenly spread. */
function spreadSpecs(n: number, seedBase: number): MemberSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    firstDate: firstDateYearsAgo(1 + (4 * i) / Math.max(1, n - 1)),
    timeZone: ZONES[i % ZONES.length]!,
    seed: seedBase + (i % 50),
  }));
}

const historyDays = (firstDate: string, now = Date.now()) =>
  Math.round(
    (now - Date.UTC(+firstDate.slice(0, 4), +firstDate.slice(4, 6) - 1, +firstDate.slice(6))) / DAY_MS,
  );

async function movesToken(ctx: AppContext, memberId: number): Promise<string> {
  const { rows } = await ctx.database.sql.query<{ access_token: string }>(
    'select access_token from moves_accounts where member_id = $1',
    [memberId],
  );
  return ctx.cipher.decrypt(rows[0]!.access_token);
}

/** Members as a finished backfill leaves them: old weeks as placeholders, the last two weeks real, published. */
async function seedInSync(ctx: AppContext, members: BenchMember[], concurrency: number): Promise<void> {
  const { publishStoryline } = await import('../../src/sync/publish.ts');
  const { currentWeek, weekRange, weekOfDate, weekIsComplete } = await import('../../src/moves/weeks.ts');
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < members.length) {
        const m = members[next++]!;
        const token = await movesToken(ctx, m.memberId);
        const now = ctx.clock.date();
        const weeks = weekRange(weekOfDate(m.spec.firstDate), currentWeek(m.spec.timeZone, now));
        const placeholders = weeks.slice(0, -2);
        // The bench's own shortcut (see the header): one statement per member instead of a backfill.
        await ctx.database.sql.query(
          `insert into stored_weeks (member_id, week, days_json, day_count, bytes, complete, source)
           select $1, w, '[]', 0, 2, true, 'moves' from unnest($2::text[]) as w`,
          [m.memberId, placeholders],
        );
        for (const week of weeks.slice(-2)) {
          const w = await ctx.moves.storylineWeek(token, week);
          await ctx.weeks.save(m.memberId, {
            week,
            daysJson: w.daysJson,
            dates: w.dates,
            complete: weekIsComplete(week, m.spec.timeZone, now),
            source: 'moves',
          });
        }
        // The app's own token source: seeding 10,000 members outlasts an access token at time scale 120.
        await publishStoryline(ctx, m.memberId, (rejected) =>
          ctx.accounts.ohAccessToken(m.memberId, rejected ? { rejected } : {}),
        );
        await ctx.syncState.update(m.memberId, {
          status: 'up_to_date',
          weeksDone: weeks.length,
          weeksTotal: weeks.length,
          lastSuccessAt: now,
          lastSyncStartedAt: now,
          unpublishedWeeks: 0,
        });
      }
    }),
  );
}

/** Moves everybody's clock: both emulators and the app (the workers get it through BENCH_CLOCK_OFFSET_MS). */
async function letTimePass(emu: BenchEmulators, ctx: { clockOffset: { offsetMs: number } }, ms: number) {
  await emu.setClockOffset(ms);
  ctx.clockOffset.offsetMs = ms;
}

interface RoundFigures extends Traffic {
  seconds: number;
  lastEnd: number;
  stuck: number;
}

/** Queues a routine update for each member (through the scheduler pass or directly) and waits for all. */
async function routineRound(
  ctx: AppContext,
  emu: BenchEmulators,
  ids: number[],
  p: { viaScheduler: boolean; timeoutMs: number; clockOffsetMs: number; log?(n: number): void },
): Promise<RoundFigures & { enqueued: number; passS: number }> {
  const traffic = await trafficSince(emu);
  const since = ctx.clock.now() - 1;
  const t0 = Date.now();
  let enqueued = 0;
  if (p.viaScheduler) {
    const { runSchedulerPass } = await import('../../src/sync/scheduler-pass.ts');
    enqueued = (await runSchedulerPass(ctx)).enqueued;
  } else {
    for (const id of ids) if (await ctx.queue.enqueueSync(id, 'scheduler')) enqueued++;
  }
  const passS = (Date.now() - t0) / 1000;
  const done = await waitForSyncs(ctx, ids, {
    since,
    timeoutMs: p.timeoutMs,
    appClockOffsetMs: p.clockOffsetMs,
    pollMs: 500,
    ...(p.log ? { onProgress: p.log } : {}),
  });
  const ends = [...done.finishedAt.values()];
  const lastEnd = ends.length ? Math.max(...ends) : Date.now();
  return {
    enqueued,
    passS,
    ...(await traffic()),
    seconds: (lastEnd - t0) / 1000,
    lastEnd,
    stuck: done.stuck.length,
  };
}

/** Run "scale": many members on one per-app budget. */
async function scaleRun(opts: ScenarioOptions) {
  const memberCount = opts.quick ? 300 : 10_000;
  const usePostgres = await postgresReachable();
  const workerProcesses = usePostgres ? 2 : 0;
  // One emulated hour lasts 60 / timeScale real minutes: the day's routine work must fit the run.
  const timeScale = opts.quick ? 60 : 120;
  const emu = await startBenchEmulators({
    timeScale,
    minuteLimit: MINUTE_LIMIT,
    hourLimit: HOUR_LIMIT,
    rateScope: 'app',
  });
  const db = await createBenchDatabase(usePostgres ? 'postgres' : 'pglite');
  const env = {
    ...emu.appEnv,
    ...db.env,
    MOVES_RATE_SCOPE: 'app',
    // A day makes every member stale, so one pass queues them all: the routine load of a whole cycle at once.
    STALE_AFTER_HOURS: '20',
    WORKER_CONCURRENCY: '4',
  };
  let ctx: Awaited<ReturnType<typeof createBenchContext>> | undefined;
  try {
    ctx = await createBenchContext({ env });
    const specs = spreadSpecs(memberCount, 5000);
    opts.log(`steady-state: seeding ${memberCount} members in sync (histories of 1–5 years)`);
    const seedStart = Date.now();
    const members = await connectMembers(emu.endpoints(), ctx, specs, 8);
    // The seed's own requests (the bench's shortcut, not measured) are not held to the app's budget: at time
    // scale 120 the per-app minute allows 120 requests a real second, which eight seeding loops can exceed.
    emu.moves.configure({ minuteLimit: 1_000_000, hourLimit: 10_000_000 });
    await seedInSync(ctx, members, 8);
    emu.moves.configure({ minuteLimit: MINUTE_LIMIT, hourLimit: HOUR_LIMIT });
    const seedS = (Date.now() - seedStart) / 1000;
    opts.log(`steady-state: seeded in ${round(seedS, 1)} s; a day passes`);

    await letTimePass(emu, ctx, DAY_MS);
    // The storyline stands still from here: Moves reveals today's segments as the day goes on, which would make
    // the "nothing changed" round below publish real changes.
    emu.moves.configure({ storylineAtMs: Date.now() + DAY_MS });
    const workerEnv = { ...env, BENCH_CLOCK_OFFSET_MS: String(DAY_MS) };
    const workers = workerProcesses ? await startWorkerProcesses(workerProcesses, workerEnv) : undefined;
    if (!workers) await startInProcessWorker(ctx);
    const ids = members.map((m) => m.memberId);
    const main = await routineRound(ctx, emu, ids, {
      viaScheduler: true,
      timeoutMs: opts.quick ? 300_000 : 3_600_000,
      clockOffsetMs: DAY_MS,
      log: (n) => n % 1000 === 0 && opts.log(`steady-state: ${n}/${memberCount} current`),
    });
    // Nothing changed since: the same routine update again must publish nothing.
    const sample = ids.slice(0, Math.min(ids.length, opts.quick ? 300 : 1000));
    const unchanged = await routineRound(ctx, emu, sample, {
      viaScheduler: false,
      timeoutMs: 600_000,
      clockOffsetMs: DAY_MS,
    });
    if (workers) await workers.stop();

    const { deepScanCycleUpdates } = await import('../../src/sync/deep-scan.ts');
    const longest = Math.max(...specs.map((s) => historyDays(s.firstDate)));
    const budgetPerCycle = HOUR_LIMIT * STALE_HOURS;
    const figures: Figures = {
      members: memberCount,
      schedulerPassS: round(main.passS, 2),
      enqueued: main.enqueued,
      requests: main.requests,
      http429: main.http429 + unchanged.http429,
      requestsPerUpdate: round(main.requests / memberCount, 2),
      unchangedRequestsPerUpdate: round(unchanged.requests / sample.length, 2),
      // Each member is updated once per staleness window: the routine requests of one cycle ÷ its budget.
      budgetShare: round(main.requests / budgetPerCycle, 4),
      allCurrentEmulatedH: main.stuck ? undefined : round((main.seconds * timeScale) / 3600, 2),
      allCurrentS: round(main.seconds, 1),
      bytesPublishedPerMember: Math.round(main.bytesUploaded / memberCount),
      bytesDownloaded: main.bytesDownloaded,
      unchangedRoundMembers: sample.length,
      unchangedRoundBytesPublished: unchanged.bytesUploaded,
      deepScanPeriodDays: round((deepScanCycleUpdates(longest) * STALE_HOURS) / 24, 1),
      seedS: round(seedS, 1),
      membersNotCurrent: main.stuck + unchanged.stuck,
    };
    const notes = [
      `${memberCount} members, first dates spread evenly over 1–5 years back, zones ${ZONES.join(', ')}; old weeks stored as placeholders (see the scenario's header); the main round's bytes are those of two-week files`,
      `${workers ? `${workerProcesses} worker processes on PostgreSQL` : 'one in-process worker on PGlite (no PostgreSQL server)'}, WORKER_CONCURRENCY=4, per-app budget ${MINUTE_LIMIT}/min and ${HOUR_LIMIT}/h, time scale ${timeScale}`,
      `budgetShare = routine requests of one update per member ÷ the budget of one ${STALE_HOURS}-hour staleness window (${budgetPerCycle} requests); deepScanPeriodDays = the longest history's deep-scan cycle at one routine update per ${STALE_HOURS} h`,
    ];
    if (main.stuck) notes.push(`${main.stuck} member(s) not current at the end of the main round`);
    return {
      settings: {
        members: memberCount,
        historyYears: '1–5',
        store: db.kind,
        workerProcesses: workerProcesses || 'in-process',
        timeScale,
        rateScope: 'app',
      },
      figures,
      notes,
    };
  } finally {
    await ctx?.close().catch(() => {});
    await emu.close();
    await db.drop().catch(() => {});
  }
}

/** Run "versus original": real histories, backfilled by each app, then a day passes and one routine update. */
async function versusOriginalRun(opts: ScenarioOptions) {
  const count = opts.quick ? 2 : 10;
  // Fast enough for the original's 55-per-minute backfills of real 1–5-year histories.
  const timeScale = 20;
  const emu = await startBenchEmulators({
    timeScale,
    minuteLimit: MINUTE_LIMIT,
    hourLimit: HOUR_LIMIT,
    rateScope: 'user',
  });
  const db = await createBenchDatabase('pglite');
  const env = { ...emu.appEnv, ...db.env, MOVES_RATE_SCOPE: 'user', WORKER_CONCURRENCY: '1' };
  let ctx: Awaited<ReturnType<typeof createBenchContext>> | undefined;
  try {
    ctx = await createBenchContext({ env });
    const specs = spreadSpecs(count, 7000);
    const members = await connectMembers(emu.endpoints(), ctx, specs, 2);
    const ids = members.map((m) => m.memberId);
    await startInProcessWorker(ctx);
    opts.log(`steady-state: backfilling ${count} real histories with oh-moves and with the original`);
    const since = ctx.clock.now() - 1;
    for (const id of ids) await ctx.queue.enqueueSync(id, 'connect');
    const backfilled = await waitForSyncs(ctx, ids, { since, timeoutMs: 900_000, pollMs: 250 });
    // The original's state is its file on Open Humans: its own first runs build it.
    const { members: originalMembers } = await runOriginalOn(emu, specs, { timeoutMs: 1_800_000 });

    await letTimePass(emu, ctx, DAY_MS);
    const ours = await routineRound(ctx, emu, ids, {
      viaScheduler: false,
      timeoutMs: 600_000,
      clockOffsetMs: DAY_MS,
    });
    const originalRound = await measureOriginal(emu, originalMembers, {
      timeoutMs: 600_000,
      clockOffsetMs: DAY_MS,
    });
    const vs = versusOriginal(ours, originalRound);
    const figures: Figures = {
      members: count,
      requestsPerUpdate: round(ours.requests / count, 2),
      bytesPerUpdate: Math.round((ours.bytesUploaded + ours.bytesDownloaded) / count),
      roundS: round(ours.seconds, 2),
      originalRequestsPerUpdate: round((vs.originalRequests ?? 0) / count, 2),
      originalBytesPerUpdate: Math.round(
        ((vs.originalBytesUploaded ?? 0) + (vs.originalBytesDownloaded ?? 0)) / count,
      ),
      ...vs,
      backfillsNotFinished: backfilled.stuck.length,
    };
    return {
      settings: { members: count, historyYears: '1–5', timeScale, rateScope: 'user', store: 'pglite' },
      figures,
      notes: originalRound.run.firstCrash
        ? [`the original app's routine update died: ${originalRound.run.firstCrash}`]
        : [],
    };
  } finally {
    await ctx?.close().catch(() => {});
    await emu.close();
    await db.drop().catch(() => {});
  }
}

export const steadyState: Scenario = {
  name: 'steady-state',
  description:
    'members with 1–5-year histories in sync on one per-app budget, a day passes: requests per update, budget share, time to current; beside the original app',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    await requireSyncHandler();
    const scale = await scaleRun(opts);
    const vs = await versusOriginalRun(opts);
    const f = scale.figures;
    return {
      settings: scale.settings,
      figures: {
        ...f,
        timeVsOriginal: vs.figures.timeVsOriginal,
        requestsVsOriginal: vs.figures.requestsVsOriginal,
        bytesVsOriginal: vs.figures.bytesVsOriginal,
      },
      runs: [
        { name: 'scale', settings: scale.settings, figures: f },
        {
          name: 'versus original (one routine update, real histories)',
          settings: vs.settings,
          figures: vs.figures,
        },
      ],
      targets: [
        target('unchangedRequestsPerUpdate', '≤ 3', f.unchangedRequestsPerUpdate, (v) => v <= 3),
        target('requestsPerUpdate', '≤ 3', f.requestsPerUpdate, (v) => v <= 3),
        target('budgetShare', '≤ 0.25', f.budgetShare, (v) => v <= 0.25),
        target('unchangedRoundBytesPublished', '= 0', f.unchangedRoundBytesPublished, (v) => v === 0),
        target('allCurrentEmulatedH', `≤ ${STALE_HOURS}`, f.allCurrentEmulatedH, (v) => v <= STALE_HOURS),
        target('http429', '= 0', f.http429, (v) => v === 0),
      ],
      notes: [...scale.notes, ...vs.notes],
    };
  },
};
