// web: latency and throughput of /dashboard and its JSON status endpoint under 50 concurrent connections with
// a signed-in session cookie. The web role runs in its own process so the load generator does not share it.
import autocannon from 'autocannon';
import { loadConfig } from '../../src/config.ts';
import { deriveKeys } from '../../src/crypto/keys.ts';
import { memberIdInSessionCookie, sealSessionCookie } from '../../src/web/session.ts';
import { createBenchDatabase } from '../harness/context.ts';
import { startBenchEmulators } from '../harness/emulators.ts';
import { firstDateYearsAgo } from '../harness/members.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { forkApp } from '../harness/workers.ts';

const PATHS = { dashboard: '/dashboard', status: '/dashboard/status' } as const;

async function load(url: string, cookie: string, seconds: number): Promise<Figures & { non2xx: number }> {
  const r = await autocannon({ url, connections: 50, duration: seconds, headers: { cookie } });
  return {
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requestsPerSecond: round(r.requests.average, 1),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

export const web: Scenario = {
  name: 'web',
  description: '/dashboard and /dashboard/status under 50 connections with a session cookie',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    const seconds = opts.quick ? 5 : 20;
    const emu = await startBenchEmulators({
      timeScale: 1,
      minuteLimit: 60,
      hourLimit: 2000,
      rateScope: 'user',
    });
    const db = await createBenchDatabase('pglite');
    try {
      const app = forkApp<{ peakRssMb: number }>(
        {
          kind: 'web',
          endpoints: emu.endpoints(),
          spec: { firstDate: firstDateYearsAgo(1), timeZone: 'Europe/Berlin', seed: 3 },
        },
        { ...emu.appEnv, ...db.env },
      );
      const ready = (await app.ready) as { url: string; cookie: string };
      // The harness's cookie carries its value URL-decoded, and the raw ';' inside it ends the cookie early,
      // so the app saw no session (303 / 401 on every request). Take the member id out of it and seal the
      // cookie with the web app's own helper, which keeps the value encoded as a browser sends it back.
      const config = loadConfig({ ...emu.appEnv, ...db.env });
      const keys = { keys: deriveKeys(config.secretKey ?? ''), config };
      const memberId = await memberIdInSessionCookie(keys, ready.cookie.slice(ready.cookie.indexOf('=') + 1));
      if (memberId === undefined)
        throw new Error('the app process reported a session cookie without a member');
      ready.cookie = await sealSessionCookie(keys, memberId);
      const runs = [];
      const probes: string[] = [];
      for (const path of Object.values(PATHS)) {
        const res = await fetch(ready.url + path, { headers: { cookie: ready.cookie }, redirect: 'manual' });
        if (res.status !== 200)
          probes.push(
            `${path} answered ${res.status}${res.headers.get('location') ? ` → ${res.headers.get('location')}` : ''} to the signed-in cookie: the figures below are of that answer, not of the page`,
          );
      }
      for (const path of Object.values(PATHS)) {
        // A short warm-up so the figures are of the steady server, not of its first compilations.
        await autocannon({
          url: ready.url + path,
          connections: 10,
          duration: 1,
          headers: { cookie: ready.cookie },
        });
        opts.log(`web: ${path} for ${seconds} s at 50 connections`);
        runs.push({
          name: path,
          settings: { path },
          figures: await load(ready.url + path, ready.cookie, seconds),
        });
      }
      const { peakRssMb } = await app.stop();
      const dash = runs[0]!.figures;
      const status = runs[1]!.figures;
      const notes = [
        ...probes,
        ...runs
          .filter((r) => (r.figures.non2xx ?? 0) > 0)
          .map(
            (r) =>
              `${r.name}: ${r.figures.non2xx} responses were not 2xx (a redirect means the session cookie was not accepted)`,
          ),
      ];
      return {
        settings: {
          connections: 50,
          durationS: seconds,
          store: 'pglite',
          member: 'one signed-in member, Moves connected, never synced',
        },
        figures: {
          p50Ms: dash.p50Ms,
          p99Ms: dash.p99Ms,
          requestsPerSecond: dash.requestsPerSecond,
          statusP50Ms: status.p50Ms,
          statusP99Ms: status.p99Ms,
          statusRequestsPerSecond: status.requestsPerSecond,
          webPeakRssMb: round(peakRssMb, 1),
        },
        runs,
        targets: [
          target('p99Ms', '< 50 ms (/dashboard)', dash.p99Ms, (v) => v < 50),
          target('statusP99Ms', '< 50 ms (/dashboard/status)', status.p99Ms, (v) => v < 50),
        ],
        notes,
      };
    } finally {
      await emu.close();
      await db.drop();
    }
  },
};
