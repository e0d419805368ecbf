// insights: what the history pages cost. /years of a 5-year history under 20 connections (target p99 < 100 ms),
// and the time of an import and of a first sync with the day summaries written beside each week against the
// same work without them (target < 10 % slower), on both stores. The app runs in the benchmark's process (the
// emulators are idle while /years is loaded); the load generator runs in a process of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { importArchiveFile } from '../../src/archive/index.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { createBenchContext, createBenchDatabase, postgresReachable } from '../harness/context.ts';
import { startBenchEmulators, type BenchEmulators } from '../harness/emulators.ts';
import { loadInProcess } from '../harness/load-process.ts';
import { connectMember, firstDateYearsAgo, signInOpenHumansOnly } from '../harness/members.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { sessionCookieFor } from '../harness/session-cookie.ts';

type Store = 'pglite' | 'postgres';

async function exportOf(emu: BenchEmulators, years: number, dir: string): Promise<string> {
  const { userId } = emu.moves.createUser({
    firstDate: firstDateYearsAgo(years),
    timeZone: 'Europe/Berlin',
    seed: 21,
  });
  const res = await emu.moves.control.exportArchive(userId);
  if (!res.body) throw new Error('export: an empty answer');
  const file = path.join(dir, `moves_export_${years}y.zip`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream), fs.createWriteStream(file));
  return file;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Import and first-sync times (s) with and without summaries, alternating, `rounds` of each. */
async function timeWrites(
  emu: BenchEmulators,
  env: Record<string, string>,
  archive: string,
  syncYears: number,
  rounds: number,
  log: (m: string) => void,
) {
  const times = {
    importWith: [] as number[],
    importWithout: [] as number[],
    syncWith: [] as number[],
    syncWithout: [] as number[],
  };
  for (let i = 0; i < rounds * 2; i++) {
    const summaries = i % 2 === 1;
    const ctx = await createBenchContext({ env, weekSummaries: summaries });
    try {
      const { memberId } = await signInOpenHumansOnly(emu, ctx);
      let t = performance.now();
      await importArchiveFile(ctx, memberId, archive, { displayName: 'moves_export.zip' });
      (summaries ? times.importWith : times.importWithout).push((performance.now() - t) / 1000);
      const m = await connectMember(emu, ctx, {
        firstDate: firstDateYearsAgo(syncYears),
        timeZone: 'Europe/Berlin',
        // The same history with and without: each pair compares like with like.
        seed: 30 + Math.floor(i / 2),
      });
      t = performance.now();
      const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' });
      if (r.outcome !== 'completed') throw new Error(`the sync ended ${r.outcome}`);
      (summaries ? times.syncWith : times.syncWithout).push((performance.now() - t) / 1000);
      log(`insights: round ${i + 1}/${rounds * 2} (${summaries ? 'with' : 'without'} summaries) done`);
    } finally {
      await ctx.close();
    }
  }
  return {
    importWithS: round(median(times.importWith), 2),
    importWithoutS: round(median(times.importWithout), 2),
    syncWithS: round(median(times.syncWith), 2),
    syncWithoutS: round(median(times.syncWithout), 2),
  };
}

/** /years of a member holding `archive` (5 years), under 20 connections. */
async function loadYears(
  emu: BenchEmulators,
  env: Record<string, string>,
  archive: string,
  seconds: number,
  store: Store,
  log: (m: string) => void,
) {
  const ctx = await createBenchContext({ env });
  const app = await buildWebApp(ctx);
  try {
    const { memberId } = await signInOpenHumansOnly(emu, ctx);
    await importArchiveFile(ctx, memberId, archive, { displayName: 'moves_export.zip' });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const cookie = await sessionCookieFor(ctx, memberId);
    const result = await loadInProcess(
      { backends: [url], paths: ['/years'], cookie, connections: 20, seconds },
      (m) => log(`insights: ${store} ${m}`),
    );
    const p = result.paths[0]!;
    if (p.firstStatus !== 200) throw new Error(`/years answered ${p.firstStatus} to the signed-in cookie`);
    return { yearsP50Ms: p.p50Ms, yearsP99Ms: p.p99Ms, yearsRps: p.requestsPerSecond, yearsNon2xx: p.non2xx };
  } finally {
    await app.close();
    await ctx.close();
  }
}

async function storeRun(
  emu: BenchEmulators,
  store: Store,
  files: { five: string; writes: string },
  opts: ScenarioOptions,
) {
  const db = await createBenchDatabase(store);
  try {
    const env = { ...emu.appEnv, ...db.env };
    const years = await loadYears(emu, env, files.five, opts.quick ? 5 : 20, store, opts.log);
    const writes = await timeWrites(emu, env, files.writes, opts.quick ? 1 : 5, opts.quick ? 1 : 3, opts.log);
    const figures: Figures = {
      ...years,
      ...writes,
      importSlowdown: round(writes.importWithS / writes.importWithoutS - 1, 3),
      syncSlowdown: round(writes.syncWithS / writes.syncWithoutS - 1, 3),
    };
    return { name: store, settings: { store }, figures };
  } finally {
    await db.drop();
  }
}

export const insights: Scenario = {
  name: 'insights',
  description:
    '/years of a 5-year history under 20 connections, and import and sync times with and without the day summaries, on PGlite and PostgreSQL',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    const emu = await startBenchEmulators({
      timeScale: 1,
      minuteLimit: 100_000,
      hourLimit: 1_000_000,
      rateScope: 'user',
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-bench-insights-'));
    try {
      const five = await exportOf(emu, 5, dir);
      const writes = opts.quick ? await exportOf(emu, 1, dir) : five;
      const stores: Store[] = (await postgresReachable()) ? ['pglite', 'postgres'] : ['pglite'];
      const runs: Awaited<ReturnType<typeof storeRun>>[] = [];
      for (const store of stores) runs.push(await storeRun(emu, store, { five, writes }, opts));
      const [embedded, served] = runs.map((r) => r.figures);
      const worst = (k: string) => Math.max(...runs.map((r) => Number(r.figures[k])));
      const figures: Figures = {
        yearsP99Ms: embedded?.yearsP99Ms,
        yearsP99MsPostgres: served?.yearsP99Ms,
        importSlowdown: embedded?.importSlowdown,
        importSlowdownPostgres: served?.importSlowdown,
        syncSlowdown: embedded?.syncSlowdown,
        syncSlowdownPostgres: served?.syncSlowdown,
      };
      return {
        settings: {
          connections: 20,
          yearsHistory: '5 years (the Moves emulator export, imported)',
          writes: opts.quick
            ? '1-year import and 1-year first sync, once each way'
            : '5-year import and 5-year first sync, 3 times each way (median)',
          stores: stores.join(', '),
        },
        figures,
        runs,
        targets: [
          target('yearsP99Ms', '< 100 ms (both stores)', worst('yearsP99Ms'), (v) => v < 100),
          target('importSlowdown', '< 10 % (both stores)', worst('importSlowdown'), (v) => v < 0.1),
          target('syncSlowdown', '< 10 % (both stores)', worst('syncSlowdown'), (v) => v < 0.1),
        ],
        notes: [
          'Without summaries = the same context with AppContext.weekSummaries off: each week saved in one statement, as before week_insights existed.',
          'A sync here is a first sync of a connected member (every week fetched from the emulator and stored, then published), timed in the app process.',
        ],
      };
    } finally {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
