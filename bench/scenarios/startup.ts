// startup: `npm start` as a person runs it, on a fresh data folder and again on the same folder, with each store
// (embedded PGlite, and PostgreSQL through DATABASE_URL). Measures the time from spawning `npm start` to the
// first healthy /healthz, the app process's resident memory once idle, the CPU time the start-up took (npm
// included: the figure a loaded machine does not distort), and that Ctrl-C to the process group stops cleanly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/sandbox.ts';
import { createBenchDatabase, postgresReachable } from '../harness/context.ts';
import { startBenchEmulators, type BenchEmulators } from '../harness/emulators.ts';
import { authorizeOnEmulators } from '../harness/members.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { sleep, target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TICKS_PER_SECOND = 100;

/** The processes of one process group: pid, command line, CPU ticks and resident kB, from /proc. */
function groupProcesses(pgid: number) {
  const found: { pid: number; cmdline: string; cpuTicks: number; rssKb: number }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      found.push({
        pid: Number(entry),
        cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '),
        cpuTicks: Number(fields[11]) + Number(fields[12]),
        rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

interface StartFigures {
  healthyMs: number;
  cpuMs: number;
  idleRssMb: number;
  stopMs: number;
  stoppedCleanly: boolean;
}

/** One `npm start`: spawn in its own group, wait for /healthz, idle, read RSS, Ctrl-C the group. */
async function startOnce(env: Record<string, string>, idleMs: number): Promise<StartFigures> {
  const port = await freePort('127.0.0.1');
  const t0 = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pgid = child.pid!;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`npm start exited early:\n${output.slice(-2000)}`);
      if (performance.now() - t0 > 120_000) throw new Error('no healthy /healthz within 120 s');
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(25);
    }
    const healthyMs = performance.now() - t0;
    const cpuMs = (groupProcesses(pgid).reduce((s, p) => s + p.cpuTicks, 0) * 1000) / TICKS_PER_SECOND;
    await sleep(idleMs);
    // The app is the largest process running src/cli.ts (npm's script execs node; a shell in between would name
    // it too).
    const app = groupProcesses(pgid)
      .filter((p) => p.cmdline.includes('src/cli.ts'))
      .sort((a, b) => b.rssKb - a.rssKb)[0];
    const idleRssMb = (app?.rssKb ?? NaN) / 1024;
    const stopAt = performance.now();
    process.kill(-pgid, 'SIGINT');
    await exited;
    // npm may return before its child: wait for the app itself to be gone.
    while (groupProcesses(pgid).length > 0 && performance.now() - stopAt < 60_000) await sleep(25);
    return {
      healthyMs,
      cpuMs,
      idleRssMb,
      stopMs: performance.now() - stopAt,
      stoppedCleanly: /stopped cleanly/.test(output),
    };
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is gone: the normal case
    }
  }
}

/** Runs `node src/cli.ts …args` and checks that it exits 0 saying `expected`; the wall time, spawn to exit. */
async function timedCli(args: string[], env: Record<string, string>, expected: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), ['src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !output.includes(expected))
    throw new Error(`${args[0]}: exit ${code}:\n${output.slice(-2000)}`);
  return performance.now() - t0;
}

/** `update-data` on a store where every member is current. */
const updateDataOnce = (env: Record<string, string>) =>
  timedCli(['update-data'], env, 'No member needed an update.');

/**
 * `import-users` with one member of the original app (an Open Humans and a Moves refresh token, refreshed
 * against the emulators), on the store a start left behind.
 */
async function importUsersOnce(
  env: Record<string, string>,
  emu: BenchEmulators,
  seed: number,
): Promise<number> {
  const grant = await authorizeOnEmulators(emu.endpoints(), { firstDate: '20170101', timeZone: 'UTC', seed });
  const token = (text: string) => (JSON.parse(text) as { refresh_token: string }).refresh_token;
  const csv = path.join(env.DATA_DIR!, 'users.csv');
  fs.writeFileSync(csv, `${grant.ohMemberId},${token(grant.ohTokenText)},${token(grant.movesTokenText)}\n`);
  return timedCli(['import-users', '--infile', csv], { ...emu.appEnv, ...env }, '1 imported');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const startup: Scenario = {
  name: 'startup',
  description:
    '`npm start` to a healthy /healthz on a fresh and on a used data folder, idle RSS, both stores',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    const rounds = opts.quick ? 1 : 3;
    const idleMs = opts.quick ? 3000 : 10_000;
    const stores: ('pglite' | 'postgres')[] = ['pglite'];
    const notes: string[] = [];
    if (await postgresReachable()) stores.push('postgres');
    else notes.push('PostgreSQL was not reachable: only the embedded store was measured.');
    const runs: { name: string; settings: Record<string, unknown>; figures: Figures }[] = [];
    let unclean = 0;
    // For import-users: the Open Humans and Moves it refreshes the member's tokens with.
    const emu = await startBenchEmulators({
      timeScale: 1,
      minuteLimit: 60,
      hourLimit: 2000,
      rateScope: 'user',
    });
    try {
      for (const store of stores) {
        const loadBefore = os.loadavg()[0]!;
        const first: StartFigures[] = [];
        const again: StartFigures[] = [];
        const updates: number[] = [];
        const imports: number[] = [];
        for (let i = 0; i < rounds; i++) {
          const db = await createBenchDatabase(store);
          try {
            first.push(await startOnce(db.env, idleMs));
            again.push(await startOnce(db.env, idleMs));
            updates.push(await updateDataOnce(db.env));
            imports.push(await importUsersOnce(db.env, emu, 100 + i));
            if (fs.existsSync(path.join(db.env.DATA_DIR!, 'oh-moves.lock'))) unclean++;
          } finally {
            await db.drop();
          }
        }
        unclean += [...first, ...again].filter((f) => !f.stoppedCleanly).length;
        const figures: Figures = {
          firstStartMs: Math.round(median(first.map((f) => f.healthyMs))),
          restartMs: Math.round(median(again.map((f) => f.healthyMs))),
          firstStartCpuMs: Math.round(median(first.map((f) => f.cpuMs))),
          restartCpuMs: Math.round(median(again.map((f) => f.cpuMs))),
          idleRssMb: round(Math.max(...first.map((f) => f.idleRssMb), ...again.map((f) => f.idleRssMb)), 1),
          stopMs: Math.round(median([...first, ...again].map((f) => f.stopMs))),
          updateDataMs: Math.round(median(updates)),
          importUsersMs: Math.round(median(imports)),
          // Other work on the machine stretches the times, not the CPU figures: the 1-minute load average.
          loadAvg: round(Math.max(loadBefore, os.loadavg()[0]!), 1),
        };
        opts.log(`startup ${store}: ${JSON.stringify(figures)}`);
        runs.push({ name: store, settings: { store, rounds, idleMs }, figures });
      }
    } finally {
      await emu.close();
    }
    const embedded = runs[0]!.figures;
    notes.push(
      'Times run from spawning `npm start` to the first 200 from /healthz, npm included; CPU is the user+system time of the whole process group by then. idleRssMb is the app process alone, after idling, the largest of all runs.',
      'A fresh embedded folder is filled from the migrated template `npm install` builds (node_modules/.cache/oh-moves); without it the first start builds one in a child process first.',
      'Both stores run the sandbox (emulators in the app process), as `npm start` without credentials does.',
      'updateDataMs: `node src/cli.ts update-data` after the restart, with nothing to do (no member is connected), from spawn to exit.',
      "importUsersMs: `node src/cli.ts import-users` with one member of the original app after that (its tokens refreshed against emulators in the benchmark's process, its sync queued), from spawn to exit.",
    );
    if (unclean > 0) notes.push(`${unclean} stop(s) did not log "stopped cleanly" or left the lock file.`);
    return {
      settings: { rounds, idleMs, stores },
      figures: { ...embedded, uncleanStops: unclean },
      runs,
      targets: [
        target(
          'updateDataMs',
          '< 2000 ms (PostgreSQL, nothing to do)',
          runs.find((r) => r.name === 'postgres')?.figures.updateDataMs,
          (v) => v < 2000,
        ),
        target('importUsersMs', '< 2000 ms (embedded, one member)', embedded.importUsersMs, (v) => v < 2000),
        target(
          'importUsersMs',
          '< 2000 ms (PostgreSQL, one member)',
          runs.find((r) => r.name === 'postgres')?.figures.importUsersMs,
          (v) => v < 2000,
        ),
        target('firstStartMs', '≤ 5000 ms (embedded, fresh folder)', embedded.firstStartMs, (v) => v <= 5000),
        target('restartMs', '≤ 3000 ms (embedded)', embedded.restartMs, (v) => v <= 3000),
        target('idleRssMb', '≤ 300 MB (embedded)', embedded.idleRssMb, (v) => v <= 300),
        target('uncleanStops', '0', unclean, (v) => v === 0),
      ],
      notes,
    };
  },
};
