// kill -9 mid-backfill, on each store: the app runs in a process of its own (`oh-moves start` on a data folder,
// or `oh-moves worker` on PostgreSQL) and is killed while it fetches weeks. After a restart (embedded) or with a
// live worker left (served), the crashed member's sync resumes within 60 s and ends with an exact file, a second
// request for that member queues behind it without blocking anyone, and a new member's first sync starts at once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext, type AppContext } from '../../src/context.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestContext, testConfig, type TestContext } from '../support/context.ts';
import { postgresAvailable } from '../support/database.ts';
import { until } from '../support/wait.ts';
import {
  addMember,
  daysAgo,
  downloadPublished,
  movesStats,
  movesTruth,
  startUpstreams,
  storylineCount,
  syncStateOf,
  upstreamEnv,
  type TestMember,
  type Upstreams,
} from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET_KEY = 'crash-test-secret-key-0123456789abcdef';
const RESUME_WITHIN_MS = 60_000;

interface AppProcess {
  kill9(): Promise<void>;
  output(): string;
}

/** Waits until the app process has logged a line matching `re`. */
async function logged(app: AppProcess, re: RegExp, what: string): Promise<void> {
  try {
    await until(async () => re.test(app.output()), what, { timeoutMs: 60_000 });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${app.output()}`, { cause: err });
  }
}

/** `oh-moves <command>` in a process of its own, on Node 24 like the tests. */
function spawnApp(command: 'start' | 'worker', env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/oh-moves.js'), command], {
    env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    output: () => output,
  };
}

/** Slows each week so the kill lands mid-backfill, then waits until the child has fetched `weeks` of them. */
async function killMidBackfill(up: Upstreams, app: AppProcess, weeks: number): Promise<void> {
  const before = storylineCount(await movesStats(up));
  try {
    await until(
      async () => storylineCount(await movesStats(up)) - before >= weeks,
      'the backfill to be under way',
      { timeoutMs: 60_000 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${app.output()}`, { cause: err });
  }
  await app.kill9();
  up.moves.configure({ faults: [] });
}

const slowWeeks = (up: Upstreams) =>
  up.moves.configure({
    faults: [{ kind: 'latency', latencyMs: 150, pathPrefix: '/api/1.1/user/storyline' }],
  });

/** Waits for the member's sync to be done: up to date and no job of theirs queued or running. */
async function settled(ctx: AppContext, memberId: number): Promise<boolean> {
  const state = await syncStateOf(ctx as TestContext, memberId);
  if (state.status !== 'up_to_date') return false;
  const jobs = await ctx.boss.findJobs(QUEUES.syncMember, { key: String(memberId) });
  return jobs.every((j) => j.state === 'completed');
}

/** The crashed member resumes, the newcomer starts at once, both finish; the crashed member's file is exact. */
async function expectRecovery(
  ctx: TestContext,
  crashed: { member: TestMember; firstDate: string; weeksDoneAtCrash: number; since: number },
  newcomer: TestMember,
): Promise<void> {
  await until(
    async () => (await syncStateOf(ctx, newcomer.memberId)).status !== 'queued',
    "the new member's first sync to start",
    { timeoutMs: 20_000 },
  );
  await until(
    async () => {
      const s = await syncStateOf(ctx, crashed.member.memberId);
      return s.weeksDone > crashed.weeksDoneAtCrash || s.status === 'up_to_date';
    },
    "the crashed member's sync to resume",
    { timeoutMs: RESUME_WITHIN_MS },
  );
  const resumed = Date.now() - crashed.since;
  expect(resumed).toBeLessThanOrEqual(RESUME_WITHIN_MS);
  console.info(`crash recovery on ${ctx.database.kind}: resumed ${resumed} ms after the restart or kill`);
  await until(async () => settled(ctx, crashed.member.memberId), 'the crashed member to finish', {
    timeoutMs: 90_000,
  });
  await until(async () => settled(ctx, newcomer.memberId), 'the new member to finish');
  const truth = await movesTruth(ctx, crashed.member.memberId, crashed.firstDate, 'UTC');
  expect(await downloadPublished(ctx, crashed.member.memberId)).toEqual(truth.days);
}

describe('crash recovery', () => {
  let up: Upstreams;
  beforeAll(async () => {
    up = await startUpstreams();
  });
  afterAll(async () => {
    await up?.close();
  });

  it('embedded: after kill -9 and a restart, the dead job is handed back at once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-crash-'));
    const env = { ...upstreamEnv(up), DATA_DIR: dataDir, SECRET_KEY };
    // The app's own start on a data folder: buildContext opens and locks it, and recovers what a dead process left.
    const open = async () =>
      (await buildContext({
        config: testConfig(env),
        logger: createLogger('silent'),
        boss: { schedule: false, supervise: true },
      })) as TestContext;

    let ctx = await open();
    const firstDate = daysAgo(400);
    const crashed = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 61 });
    await ctx.queue.enqueueSync(crashed.memberId, 'connect');
    await ctx.close();

    slowWeeks(up);
    await killMidBackfill(up, spawnApp('start', env), 10);

    // The restart: the lock file's holder is dead, and so is every job it left active.
    const since = Date.now();
    ctx = await open();
    try {
      const state = await syncStateOf(ctx, crashed.memberId);
      expect(state.status).toBe('queued'); // no "Fetching week …" for a fetch that is not happening
      expect(state.weeksDone).toBeGreaterThan(0);
      expect(await ctx.queue.enqueueSync(crashed.memberId, 'manual')).toBe(true); // a second job for that member
      const newcomer = await addMember(ctx, up, { firstDate: daysAgo(60), timeZone: 'UTC', seed: 62 });
      await ctx.queue.enqueueSync(newcomer.memberId, 'connect');
      await startWorker(ctx, jobHandlers);
      await expectRecovery(
        ctx,
        { member: crashed, firstDate, weeksDoneAtCrash: state.weeksDone, since },
        newcomer,
      );
    } finally {
      await ctx.close();
    }
  }, 240_000);

  it('embedded: `oh-moves start` restarted right after kill -9 hands the dead job back at once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-crash-start-'));
    const env = { ...upstreamEnv(up), DATA_DIR: dataDir, SECRET_KEY };
    const ctx = (await buildContext({
      config: testConfig(env),
      logger: createLogger('silent'),
      boss: { schedule: false, supervise: false },
    })) as TestContext;
    const crashed = await addMember(ctx, up, { firstDate: daysAgo(400), timeZone: 'UTC', seed: 65 });
    await ctx.queue.enqueueSync(crashed.memberId, 'connect');
    await ctx.close();

    slowWeeks(up);
    await killMidBackfill(up, spawnApp('start', env), 10);
    slowWeeks(up);
    const before = storylineCount(await movesStats(up));
    const since = Date.now();
    const restarted = spawnApp('start', env); // the lock's holder is gone: no wait, no refusal
    try {
      // At start, not when the dead job's heartbeat lapses (HEARTBEAT_SECONDS) and maintenance notices it.
      await logged(
        restarted,
        /"jobs":1,.*handed back jobs left running by a process that died/,
        'the hand-back',
      );
      await until(
        async () => storylineCount(await movesStats(up)) > before,
        'the sync to fetch weeks again',
        { timeoutMs: 60_000 },
      );
      console.info(`crash recovery under start: fetching again ${Date.now() - since} ms after the restart`);
    } finally {
      up.moves.configure({ faults: [] });
      await restarted.kill9();
    }
  }, 240_000);

  it.skipIf(!postgresAvailable())(
    'served: after kill -9 of a worker, the live worker takes the job over once its heartbeat lapses',
    async () => {
      const ctx = await createTestContext({
        store: 'postgres',
        env: { ...upstreamEnv(up), SECRET_KEY },
        supervise: true,
      });
      try {
        const firstDate = daysAgo(400);
        const crashed = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 63 });
        await ctx.queue.enqueueSync(crashed.memberId, 'connect');
        slowWeeks(up);
        await killMidBackfill(
          up,
          spawnApp('worker', { ...upstreamEnv(up), DATABASE_URL: ctx.testDatabase.url!, SECRET_KEY }),
          10,
        );
        const since = Date.now();
        const state = await syncStateOf(ctx, crashed.memberId);
        expect(await ctx.queue.enqueueSync(crashed.memberId, 'manual')).toBe(true);
        const newcomer = await addMember(ctx, up, { firstDate: daysAgo(60), timeZone: 'UTC', seed: 64 });
        await ctx.queue.enqueueSync(newcomer.memberId, 'connect');
        await startWorker(ctx, jobHandlers);
        await expectRecovery(
          ctx,
          { member: crashed, firstDate, weeksDoneAtCrash: state.weeksDone, since },
          newcomer,
        );
      } finally {
        await ctx.close();
      }
    },
    240_000,
  );
});
