// web: latency and throughput of /dashboard and its JSON status endpoint under 50 concurrent connections with
// a signed-in session cookie, then of /dashboard and /healthz under 100, while another member's 5-year backfill
// runs. On both stores: embedded PGlite (one
// process: web and worker, as `npm start` runs it) and served mode (PostgreSQL, two web processes behind the
// benchmark's own round-robin, one worker process). The load generator runs in a process of its own (away
// from the emulators' work), the app in other processes.
import { createBenchDatabase, postgresReachable, type BenchDatabase } from '../harness/context.ts';
import { startBenchEmulators, type BenchEmulators } from '../harness/emulators.ts';
import { firstDateYearsAgo, type MemberSpec } from '../harness/members.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { loadInProcess } from '../harness/load-process.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { forkApp, type ChildApp } from '../harness/workers.ts';
const PATHS = { dashboard: '/dashboard', status: '/dashboard/status', healthz: '/healthz' } as const;
/** Each load in turn: its connections and the routes it runs, one after the other. */
const LOADS = [
  { connections: 50, paths: [PATHS.dashboard, PATHS.status] },
  { connections: 100, paths: [PATHS.dashboard, PATHS.healthz] },
] as const;

const DASHBOARD_MEMBER: MemberSpec = { firstDate: firstDateYearsAgo(1), timeZone: 'Europe/Berlin', seed: 3 };
/** Backfills throughout the load: 262 requests at 120 a minute (a new token's doubled limit) take over 2 minutes. */
const SYNCING_MEMBER: MemberSpec = { firstDate: firstDateYearsAgo(5), timeZone: 'America/New_York', seed: 4 };

type WebReport = {
  peakRssMb: number;
  backfill?: { status: string; weeksDone: number; weeksTotal: number };
};

/** The syncing member's state when the load ended, in words. */
function backfillNote(store: string, report: WebReport): string {
  const b = report.backfill;
  return b
    ? `${store}: the backfill was ${b.status} at ${b.weeksDone} of ${b.weeksTotal} weeks when the load ended`
    : `${store}: no backfill state was reported`;
}

interface StoreRun {
  runs: { name: string; settings: Record<string, unknown>; figures: Figures }[];
  notes: string[];
  peakRssMb: number[];
}

/** Every load's routes with the signed-in `cookie`, after a short warm-up each (figures of the steady server). */
async function loadRoutes(
  backends: string[],
  cookie: string,
  seconds: number,
  store: string,
  log: (m: string) => void,
) {
  const runs: StoreRun['runs'] = [];
  const notes: string[] = [];
  for (const { connections, paths } of LOADS) {
    const result = await loadInProcess({ backends, paths: [...paths], cookie, connections, seconds }, (m) =>
      log(`web: ${store} ${m}`),
    );
    // The first load's runs keep their names of before, so results stay comparable across releases.
    const suffix = connections === LOADS[0].connections ? '' : ` @${connections}`;
    for (const { path, firstStatus, firstLocation, ...figures } of result.paths) {
      if (firstStatus !== 200)
        notes.push(
          `${store} ${path}${suffix} answered ${firstStatus}${firstLocation ? ` → ${firstLocation}` : ''} to the signed-in cookie: its figures are of that answer, not of the page`,
        );
      if (figures.non2xx) notes.push(`${store} ${path}${suffix}: ${figures.non2xx} responses were not 2xx`);
      runs.push({ name: `${store} ${path}${suffix}`, settings: { store, path, connections }, figures });
    }
    if (result.connectionsPerBackend)
      notes.push(
        `${store} @${connections}: connections per web process ${JSON.stringify(result.connectionsPerBackend)}`,
      );
  }
  return { runs, notes };
}

async function embeddedRun(
  emu: BenchEmulators,
  seconds: number,
  log: (m: string) => void,
): Promise<StoreRun> {
  const db = await createBenchDatabase('pglite');
  try {
    const app = forkApp<WebReport>(
      {
        kind: 'web',
        endpoints: emu.endpoints(),
        spec: DASHBOARD_MEMBER,
        syncSpec: SYNCING_MEMBER,
        worker: true,
      },
      { ...emu.appEnv, ...db.env },
    );
    const ready = (await app.ready) as { url: string; cookie: string };
    const r = await loadRoutes([ready.url], ready.cookie, seconds, 'embedded', log);
    const report = await app.stop();
    r.notes.push(backfillNote('embedded', report));
    return { ...r, peakRssMb: [report.peakRssMb] };
  } finally {
    await db.drop();
  }
}

async function servedRun(emu: BenchEmulators, seconds: number, log: (m: string) => void): Promise<StoreRun> {
  let db: BenchDatabase | undefined;
  const apps: ChildApp<WebReport>[] = [];
  try {
    db = await createBenchDatabase('postgres');
    const env = { ...emu.appEnv, ...db.env };
    // The first web process migrates the database and connects both members; then the rest join.
    const first = forkApp<WebReport>(
      { kind: 'web', endpoints: emu.endpoints(), spec: DASHBOARD_MEMBER, syncSpec: SYNCING_MEMBER },
      env,
    );
    apps.push(first);
    const ready = (await first.ready) as { url: string; cookie: string };
    const second = forkApp<WebReport>({ kind: 'web', endpoints: emu.endpoints() }, env);
    const worker = forkApp<WebReport>({ kind: 'worker' }, env);
    apps.push(second, worker);
    const secondReady = (await second.ready) as { url: string };
    await worker.ready;
    const r = await loadRoutes([ready.url, secondReady.url], ready.cookie, seconds, 'served', log);
    r.notes.push(backfillNote('served', await first.stop()));
    return { ...r, peakRssMb: [] };
  } finally {
    await Promise.allSettled(apps.map((a) => a.stop()));
    await db?.drop().catch(() => {});
  }
}

export const web: Scenario = {
  name: 'web',
  description:
    '/dashboard and /dashboard/status under 50 connections, then /dashboard and /healthz under 100, with a session cookie while a backfill runs, on PGlite and on PostgreSQL with two web processes',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    const seconds = opts.quick ? 5 : 20;
    const emu = await startBenchEmulators({
      timeScale: 1,
      minuteLimit: 60,
      hourLimit: 2000,
      rateScope: 'user',
    });
    try {
      const embedded = await embeddedRun(emu, seconds, opts.log);
      const served = (await postgresReachable())
        ? await servedRun(emu, seconds, opts.log)
        : { runs: [], notes: ['served mode not measured: no PostgreSQL server answered'], peakRssMb: [] };
      const fig = (r: StoreRun, i: number) => r.runs[i]?.figures;
      const [dash, status, dash100, health100] = [0, 1, 2, 3].map((i) => fig(embedded, i));
      const [sDash, sStatus, sDash100, sHealth100] = [0, 1, 2, 3].map((i) => fig(served, i));
      return {
        settings: {
          connections: '50 (/dashboard, /dashboard/status), then 100 (/dashboard, /healthz)',
          durationS: seconds,
          stores:
            'embedded PGlite (web + worker in one process); PostgreSQL (2 web processes, round-robin, 1 worker)',
          member: 'one signed-in member with a year of history; another member backfilling 5 years meanwhile',
        },
        figures: {
          p50Ms: dash?.p50Ms,
          p99Ms: dash?.p99Ms,
          requestsPerSecond: dash?.requestsPerSecond,
          statusP50Ms: status?.p50Ms,
          statusP99Ms: status?.p99Ms,
          statusRequestsPerSecond: status?.requestsPerSecond,
          servedP99Ms: sDash?.p99Ms,
          servedRequestsPerSecond: sDash?.requestsPerSecond,
          servedStatusP99Ms: sStatus?.p99Ms,
          servedStatusRequestsPerSecond: sStatus?.requestsPerSecond,
          dashboard100P99Ms: dash100?.p99Ms,
          healthz100P99Ms: health100?.p99Ms,
          servedDashboard100P99Ms: sDash100?.p99Ms,
          servedHealthz100P99Ms: sHealth100?.p99Ms,
          webPeakRssMb: embedded.peakRssMb[0] === undefined ? undefined : round(embedded.peakRssMb[0], 1),
        },
        runs: [...embedded.runs, ...served.runs],
        targets: [
          target('p99Ms', '< 50 ms (/dashboard, PGlite)', dash?.p99Ms, (v) => v < 50),
          target('statusP99Ms', '< 50 ms (/dashboard/status, PGlite)', status?.p99Ms, (v) => v < 50),
          target('servedP99Ms', '< 50 ms (/dashboard, PostgreSQL)', sDash?.p99Ms, (v) => v < 50),
          target(
            'servedStatusP99Ms',
            '< 50 ms (/dashboard/status, PostgreSQL)',
            sStatus?.p99Ms,
            (v) => v < 50,
          ),
          target(
            'dashboard100P99Ms',
            '< 100 ms (/dashboard, 100 connections, PGlite)',
            dash100?.p99Ms,
            (v) => v < 100,
          ),
          target(
            'healthz100P99Ms',
            '< 100 ms (/healthz, 100 connections, PGlite)',
            health100?.p99Ms,
            (v) => v < 100,
          ),
          target(
            'servedDashboard100P99Ms',
            '< 100 ms (/dashboard, 100 connections, PostgreSQL)',
            sDash100?.p99Ms,
            (v) => v < 100,
          ),
          target(
            'servedHealthz100P99Ms',
            '< 100 ms (/healthz, 100 connections, PostgreSQL)',
            sHealth100?.p99Ms,
            (v) => v < 100,
          ),
        ],
        notes: [...embedded.notes, ...served.notes],
      };
    } finally {
      await emu.close();
    }
  },
};
