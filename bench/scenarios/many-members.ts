// many-members: members with a year each, synced at once by one or two worker processes on PostgreSQL, with
// the rate budget per user and per app: how much of the allowed budget is used, and how long until all are done.
import type { AppContext } from '../../src/context.ts';
import { createBenchContext, createBenchDatabase, postgresReachable } from '../harness/context.ts';
import { apiRequestCounts, startBenchEmulators } from '../harness/emulators.ts';
import { allowedRequests, minimumTimeMs } from '../harness/limits.ts';
import { connectMembers, firstDateYearsAgo, type MemberSpec } from '../harness/members.ts';
import { waitForSyncs } from '../harness/progress.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { isoWeeksSince, target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { requireSyncHandler, startWorkerProcesses } from '../harness/workers.ts';
import { sumAppFigures } from '../harness/app-metrics.ts';
import { HOUR_LIMIT, MINUTE_LIMIT } from './backfill.ts';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/Helsinki', 'America/Los_Angeles'];

async function runOnce(p: {
  members: number;
  scope: 'user' | 'app';
  workers: number;
  timeScale: number;
  timeoutMs: number;
  log(m: string): void;
}): Promise<{ name: string; settings: Record<string, unknown>; figures: Figures; notes: string[] }> {
  const name = `${p.scope} scope, ${p.workers} worker process${p.workers > 1 ? 'es' : ''}`;
  const emu = await startBenchEmulators({
    timeScale: p.timeScale,
    minuteLimit: MINUTE_LIMIT,
    hourLimit: HOUR_LIMIT,
    rateScope: p.scope,
  });
  const db = await createBenchDatabase('postgres');
  let ctx: AppContext | undefined;
  try {
    const env = { ...emu.appEnv, ...db.env, MOVES_RATE_SCOPE: p.scope };
    ctx = await createBenchContext({ env });
    const firstDate = firstDateYearsAgo(1);
    const specs: MemberSpec[] = Array.from({ length: p.members }, (_, i) => ({
      firstDate,
      timeZone: ZONES[i % ZONES.length]!,
      seed: 1000 + i,
    }));
    const members = await connectMembers(emu.endpoints(), ctx, specs, 8);
    const necessary = specs.reduce((s, m) => s + isoWeeksSince(m.firstDate, m.timeZone) + 1, 0);
    const workers = await startWorkerProcesses(p.workers, env);
    p.log(
      `many-members: ${name}: ${p.members} members, ${necessary} necessary requests, time scale ${p.timeScale}`,
    );
    const t0 = Date.now();
    const since = ctx.clock.now() - 1;
    for (const m of members) await ctx.queue.enqueueSync(m.memberId, 'connect');
    let lastLog = 0;
    const done = await waitForSyncs(
      ctx,
      members.map((m) => m.memberId),
      {
        since,
        timeoutMs: p.timeoutMs,
        pollMs: 250,
        onProgress: (n) => {
          if (Date.now() - lastLog > 10_000) {
            lastLog = Date.now();
            p.log(
              `many-members: ${name}: ${n}/${p.members} done after ${round((Date.now() - t0) / 1000, 1)} s`,
            );
          }
        },
      },
    );
    const tEnd = Math.max(Date.now() - 0, ...done.finishedAt.values());
    const reports = await workers.stop();
    const app = sumAppFigures(reports.map((r) => r.figures));
    const { requests, http429 } = apiRequestCounts(await emu.movesStats());
    const ends = [...done.finishedAt.values()];
    const lastEnd = ends.length ? Math.max(...ends) : tEnd;
    const firstEnd = ends.length ? Math.min(...ends) : tEnd;
    const model = { minuteLimit: MINUTE_LIMIT, hourLimit: HOUR_LIMIT, timeScale: p.timeScale };
    // Budget the limits allowed while work was pending: one app bucket until the last member finished, or
    // each member's own bucket (doubled for its token's first hour) until that member finished.
    const allowed =
      p.scope === 'app'
        ? allowedRequests({ ...model, tokenIssuedAt: null }, t0, lastEnd)
        : members.reduce(
            (s, m) =>
              s +
              allowedRequests(
                { ...model, tokenIssuedAt: m.movesTokenIssuedAt.getTime() },
                t0,
                done.finishedAt.get(m.memberId) ?? lastEnd,
              ),
            0,
          );
    const minMs =
      p.scope === 'app' ? minimumTimeMs({ ...model, tokenIssuedAt: null }, necessary, t0) : undefined;
    const s = p.timeScale / 1000;
    const figures: Figures = {
      requests,
      http429,
      necessaryRequests: necessary,
      budgetUse: round(requests / Math.max(1, allowed), 4),
      efficiency:
        minMs !== undefined && !done.stuck.length ? round(Math.min(1, minMs / (lastEnd - t0))) : undefined,
      allDoneEmulatedS: round((lastEnd - t0) * s, 1),
      allDoneRealS: round((lastEnd - t0) / 1000, 1),
      minimumEmulatedS: minMs !== undefined ? round(minMs * s, 1) : undefined,
      completionSpreadS: round((lastEnd - firstEnd) * s, 1),
      membersDone: done.finishedAt.size,
      membersStuck: done.stuck.length,
      requestsPerSecondReal: round(requests / ((lastEnd - t0) / 1000), 1),
      bytesPublished: app.bytesPublished,
      rateLimitWaits: app.rateLimitWaits,
      workerPeakRssMb: round(Math.max(...reports.map((r) => r.peakRssMb)), 1),
    };
    const notes = done.stuck.length
      ? [
          `${name}: ${done.stuck.length} member(s) not done${done.timedOut ? ` after ${p.timeoutMs / 1000} s` : ''}, e.g. ${JSON.stringify(done.stuck.slice(0, 3))}`,
        ]
      : [];
    return {
      name,
      settings: { members: p.members, scope: p.scope, workers: p.workers, timeScale: p.timeScale },
      figures,
      notes,
    };
  } finally {
    await ctx?.close().catch(() => {});
    await emu.close();
    await db.drop().catch(() => {});
  }
}

export const manyMembers: Scenario = {
  name: 'many-members',
  description:
    'members with a year each, per-user and per-app budget, one and two worker processes (PostgreSQL)',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    const members = opts.quick ? 10 : 200;
    // The per-app budget must be what limits the run, not the harness CPU (emulators, PostgreSQL and the
    // workers share 2 cores): at S the app budget allows S requests per real second (60/min), and a minute
    // window (60/S s) must be long against pg-boss's 0.5 s polling. See docs/performance.md.
    const timeScale = opts.quick ? 10 : 20;
    if (!(await postgresReachable()))
      return {
        settings: { members },
        figures: {},
        notes: [
          'skipped: no PostgreSQL server at postgres://postgres@127.0.0.1:5432/ (two worker processes need one)',
        ],
      };
    await requireSyncHandler();
    // --quick keeps the per-app runs (the budget-sharing case) and the two-process per-user run, to stay within
    // its five minutes.
    const plan: { scope: 'user' | 'app'; workers: number }[] = (
      [
        { scope: 'app', workers: 1 },
        { scope: 'app', workers: 2 },
        { scope: 'user', workers: 1 },
        { scope: 'user', workers: 2 },
      ] as const
    ).filter((r) => !opts.quick || r.scope === 'app' || r.workers === 2);
    const runs = [];
    const notes: string[] = [];
    for (const r of plan) {
      const out = await runOnce({
        members,
        ...r,
        timeScale,
        timeoutMs: opts.quick ? 120_000 : 1_500_000,
        log: opts.log,
      });
      runs.push({ name: out.name, settings: out.settings, figures: out.figures });
      notes.push(...out.notes);
    }
    const appTwo = runs.find((r) => r.settings.scope === 'app' && r.settings.workers === 2)?.figures;
    return {
      settings: {
        members,
        yearsEach: 1,
        timeScale,
        store: 'postgres',
        workerConcurrency: 'default (WORKER_CONCURRENCY=2)',
      },
      figures: {
        budgetUse: appTwo?.budgetUse,
        completionSpreadS: appTwo?.completionSpreadS,
        requests: appTwo?.requests,
        http429: runs.reduce((s, r) => s + (r.figures.http429 ?? 0), 0),
      },
      runs,
      targets: [
        target(
          'http429',
          '= 0 (all runs)',
          runs.reduce((s, r) => s + (r.figures.http429 ?? 0), 0),
          (v) => v === 0,
        ),
        target('budgetUse', '≥ 0.95 (app scope, 2 workers)', appTwo?.budgetUse, (v) => v >= 0.95),
      ],
      notes: [
        'Headline figures are those of the per-app budget with two worker processes; every run is in the table.',
        "budgetUse = Moves API requests made ÷ requests the limits allowed from the first enqueue until the last member finished (app scope: one bucket at 60/min and 2000/h, never doubled; user scope: each member's own bucket, doubled for its token's first hour, until that member finished). With the per-user budget the limits are far from binding, so the figure is low by design and the run measures processing speed.",
        ...notes,
      ],
    };
  },
};
