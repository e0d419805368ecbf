// faults: the fault series an operator's worst day brings, one fresh member per fault, and kill -9 mid-backfill.
// Each fault is "survived" when the member ends where they should — an exact file (one complete
// moves-storyline-data.json, nothing unfinished left on Open Humans), or needs_reauth for a revoked token, or
// nothing kept for a member who left — and across the whole series no log line carries member data.
// recoverySeconds: from the restart after kill -9 until the crashed member's sync fetches weeks again.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { OpenHumansConfigPatch } from '../../emulators/openhumans/client.ts';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { getMovesAccessToken, getOhAccessToken } from '../../src/accounts/index.ts';
import { loadConfig } from '../../src/config.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { members, syncEvents, syncState } from '../../src/db/schema.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { currentWeek, weekOfDate, weekRange } from '../../src/moves/weeks.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import { runSyncJob, type SyncResult } from '../../src/sync/sync-job.ts';
import { createBenchDatabase } from '../harness/context.ts';
import { startBenchEmulators, type BenchEmulators } from '../harness/emulators.ts';
import { connectMember, type BenchMember } from '../harness/members.ts';
import { round, type ScenarioOutcome } from '../harness/results.ts';
import { sleep, target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STORYLINE = '/api/1.1/user/storyline';
const UPLOAD_START = '/api/direct-sharing/project/files/upload/direct';
const MARKER = 'Secret Garden';
const MAX_LOG_LINE = 4096;

type Expected = 'exact' | 'needs_reauth' | 'forgotten';

interface Fault {
  name: string;
  expected: Expected;
  /** Before the first sync: set the fault up (the member is connected, nothing fetched yet). */
  arrange(emu: BenchEmulators, m: BenchMember, ctx: AppContext): Promise<void>;
  /** Acts while the sync runs. */
  during?(emu: BenchEmulators, ctx: AppContext, m: BenchMember): Promise<void>;
}

const movesFaults = (emu: BenchEmulators, kind: 'status' | 'truncate' | 'malformed' | 'drop') =>
  emu.moves.configure({ faults: [{ kind, probability: 0.3, pathPrefix: STORYLINE }] });
const ohFaults = (emu: BenchEmulators, config: OpenHumansConfigPatch) =>
  emu.openHumans.control.configure(config);

/** The fault series; the upload faults hit the first publish of a member whose weeks are all fetched. */
function faultSeries(): Fault[] {
  return [
    { name: 'Moves 5xx burst', expected: 'exact', arrange: async (e) => movesFaults(e, 'status') },
    { name: 'Moves truncated bodies', expected: 'exact', arrange: async (e) => movesFaults(e, 'truncate') },
    { name: 'Moves malformed bodies', expected: 'exact', arrange: async (e) => movesFaults(e, 'malformed') },
    { name: 'Moves dropped connections', expected: 'exact', arrange: async (e) => movesFaults(e, 'drop') },
    {
      name: 'Open Humans refuses to start the upload',
      expected: 'exact',
      arrange: async (e) => {
        await ohFaults(e, { endpoints: [{ pathPrefix: UPLOAD_START, status: 500, count: 1 }] });
      },
    },
    {
      name: 'storage PUT fails',
      expected: 'exact',
      arrange: async (e) => void (await ohFaults(e, { put: { count: 1, status: 500 } })),
    },
    {
      name: 'storage PUT dropped',
      expected: 'exact',
      arrange: async (e) => void (await ohFaults(e, { put: { count: 1, drop: true } })),
    },
    {
      name: 'upload complete fails',
      expected: 'exact',
      arrange: async (e) => void (await ohFaults(e, { complete: { count: 1, status: 500 } })),
    },
    {
      name: 'upload complete and its clean-up fail',
      expected: 'exact',
      arrange: async (e) => void (await ohFaults(e, { complete: { count: 2, status: 502 } })),
    },
    {
      name: 'Moves token revoked',
      expected: 'needs_reauth',
      arrange: async (e, m) => void (await e.moves.control.revoke(m.movesUserId)),
    },
    {
      name: 'member leaves mid-sync',
      expected: 'forgotten',
      arrange: async (e, m) => {
        await e.moves.control.setNames(m.movesUserId, { placeName: MARKER });
        e.moves.configure({ faults: [{ kind: 'latency', latencyMs: 300, pathPrefix: STORYLINE }] });
      },
      async during(e, ctx, m) {
        await waitFor(async () => ((await stateOf(ctx, m.memberId))?.weeksDone ?? 0) >= 2, 30_000);
        await e.openHumans.control.leave(m.ohMemberId);
        await ctx.accounts.forgetMember(m.memberId);
      },
    },
    {
      name: '2 MB place name',
      expected: 'exact',
      arrange: async (e, m, ctx) => {
        // On one day that has a named place (a day of 2 MB names is refused; every day would be 10 MB each).
        const token = (await getMovesAccessToken(ctx, m.memberId)).accessToken;
        const week = weekOfDate(
          new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, ''),
        );
        const days = JSON.parse((await ctx.moves.storylineWeek(token, week)).daysJson) as { date: string }[];
        const named = days.find((d) => JSON.stringify(d).includes('"name":'));
        await e.moves.control.setNames(m.movesUserId, {
          placeName: `${MARKER} `,
          repeat: Math.ceil((2 * 1024 * 1024) / (MARKER.length + 1)),
          ...(named ? { date: named.date } : {}),
        });
      },
    },
  ];
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check().catch(() => false)) return true;
    await sleep(50);
  }
  return false;
}

async function stateOf(ctx: AppContext, memberId: number) {
  const [s] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId));
  return s;
}

/** Runs a member's sync chain in this process, following requeues, until it ends or `maxRuns` runs. */
async function syncChain(ctx: AppContext, memberId: number, maxRuns = 40): Promise<SyncResult | 'threw'> {
  let last: SyncResult | 'threw' = 'threw';
  for (let i = 0; i < maxRuns; i++) {
    try {
      last = await runSyncJob(ctx, { memberId, reason: i === 0 ? 'manual' : 'requeue' });
    } catch {
      return 'threw';
    }
    if (last.outcome !== 'rate_limited' && last.outcome !== 'retry_later') return last;
    await sleep(Math.max(0, (last.nextRunAt?.getTime() ?? 0) - ctx.clock.now()) + 5);
  }
  return last;
}

/** One complete storyline file whose days are exactly Moves' (less the refused ones); nothing unfinished. */
async function exactAndClean(
  emu: BenchEmulators,
  ctx: AppContext,
  m: BenchMember,
  refusedDays: Set<string>,
): Promise<string | null> {
  const files = await emu.openHumans.control.files(m.ohMemberId);
  if (files.some((f) => f.incomplete)) return 'an unfinished upload was left on Open Humans';
  if (files.length !== 1 || files[0]!.basename !== STORYLINE_FILENAME)
    return `${files.length} files on Open Humans instead of one`;
  const moves = (await getMovesAccessToken(ctx, m.memberId)).accessToken;
  const truth: { date: string }[] = [];
  const zone = m.spec.timeZone;
  for (const w of weekRange(weekOfDate(m.spec.firstDate), currentWeek(zone, ctx.clock.date())))
    truth.push(...(JSON.parse((await ctx.moves.storylineWeek(moves, w)).daysJson) as { date: string }[]));
  const member = await ctx.openHumans.exchangeMember(await getOhAccessToken(ctx, m.memberId));
  const file = member.files.find((f) => f.basename === STORYLINE_FILENAME);
  if (!file) return 'no published file';
  const chunks: Buffer[] = [];
  for await (const c of await ctx.openHumans.download(file.downloadUrl)) chunks.push(c as Buffer);
  const published = Buffer.concat(chunks).toString();
  const expected = JSON.stringify(truth.filter((d) => !refusedDays.has(d.date)));
  return JSON.stringify(JSON.parse(published)) === expected ? null : 'the file differs from Moves';
}

/** Runs one fault on a fresh member; null when survived, else why not. */
async function tryFault(
  emu: BenchEmulators,
  ctx: AppContext,
  fault: Fault,
  seed: number,
): Promise<string | null> {
  const firstDate = new Date(Date.now() - 45 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const m = await connectMember(emu.endpoints(), ctx, { firstDate, timeZone: 'UTC', seed });
  await fault.arrange(emu, m, ctx);
  try {
    const run = syncChain(ctx, m.memberId);
    if (fault.during) await fault.during(emu, ctx, m);
    const end = await run;
    emu.moves.configure({ faults: [] });
    if (fault.expected === 'forgotten') {
      const left = await ctx.db.select().from(members).where(eq(members.id, m.memberId));
      return left.length ? 'rows of the member who left are still here' : null;
    }
    if (fault.expected === 'needs_reauth')
      return end !== 'threw' && end.outcome === 'needs_reauth' ? null : `ended ${JSON.stringify(end)}`;
    if (end === 'threw' || end.outcome !== 'completed') return `ended ${JSON.stringify(end)}`;
    const refused = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, m.memberId));
    const refusedDays = new Set(
      refused
        .filter((e) => e.kind === 'day_rejected')
        .flatMap((e) => (e.details as { rejected: { date: string }[] }).rejected.map((r) => r.date)),
    );
    if (fault.name === '2 MB place name' && refusedDays.size === 0) return 'the oversized day was stored';
    return await exactAndClean(emu, ctx, m, refusedDays);
  } finally {
    emu.moves.configure({ faults: [] });
    await emu.moves.control.setNames(m.movesUserId, {});
  }
}

/** kill -9 of `oh-moves start` mid-backfill, then a restart in this process: seconds until weeks flow again. */
async function killAndRecover(
  emu: BenchEmulators,
  opts: ScenarioOptions,
): Promise<{ recoverySeconds: number | undefined; survived: boolean; note: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-bench-crash-'));
  const env = { ...emu.appEnv, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const open = () =>
    buildContext({
      config: loadConfig(env),
      logger: createLogger('warn'),
      boss: { schedule: false, supervise: true },
    });
  try {
    let ctx = await open();
    const firstDate = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const m = await connectMember(emu.endpoints(), ctx, { firstDate, timeZone: 'UTC', seed: 99 });
    await ctx.queue.enqueueSync(m.memberId, 'connect');
    await ctx.close();

    emu.moves.configure({ faults: [{ kind: 'latency', latencyMs: 150, pathPrefix: STORYLINE }] });
    const child = spawn(process.execPath, [path.join(ROOT, 'src/cli.ts'), 'start'], {
      env: { ...process.env, ...env, PORT: '0' },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const count = async () => {
      const s = await emu.movesStats();
      return s.byRoute['GET /api/1.1/user/:kind/daily/:period']?.['200'] ?? 0;
    };
    const before = await count();
    const underWay = await waitFor(async () => (await count()) - before >= 10, 60_000);
    child.kill('SIGKILL');
    await exited;
    emu.moves.configure({ faults: [] });
    if (!underWay)
      return { recoverySeconds: undefined, survived: false, note: 'the backfill never got under way' };

    const t0 = Date.now();
    ctx = await open();
    try {
      const atCrash = (await stateOf(ctx, m.memberId))?.weeksDone ?? 0;
      await startWorker(ctx, jobHandlers);
      const resumed = await waitFor(async () => {
        const s = await stateOf(ctx, m.memberId);
        return (s?.weeksDone ?? 0) > atCrash || s?.status === 'up_to_date';
      }, 120_000);
      const recoverySeconds = resumed ? round((Date.now() - t0) / 1000, 1) : undefined;
      opts.log(`faults: kill -9 at ${atCrash} weeks; resumed after ${recoverySeconds ?? 'never (120 s)'} s`);
      const done = await waitFor(
        async () => (await stateOf(ctx, m.memberId))?.status === 'up_to_date',
        180_000,
      );
      const problem = done ? await exactAndClean(emu, ctx, m, new Set()) : 'did not finish within 180 s';
      return { recoverySeconds, survived: problem === null, note: problem ?? 'exact file after the restart' };
    } finally {
      await ctx.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export const faults: Scenario = {
  name: 'faults',
  description:
    'the fault series (Moves body faults, a revoked token, a member leaving mid-sync, Open Humans upload failures at each step, a 2 MB name) and recovery after kill -9',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    const emu = await startBenchEmulators({
      timeScale: 60,
      minuteLimit: 10_000,
      hourLimit: 100_000,
      rateScope: 'user',
    });
    const db = await createBenchDatabase('pglite');
    const lines: string[] = [];
    const capture = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    const notes: string[] = [];
    let tried = 0;
    let survived = 0;
    let recovery: Awaited<ReturnType<typeof killAndRecover>> | undefined;
    try {
      const ctx = await buildContext({
        config: loadConfig({ ...emu.appEnv, ...db.env }),
        logger: createLogger('debug', capture),
        boss: { schedule: false, supervise: false },
      });
      try {
        let seed = 500;
        for (const fault of faultSeries()) {
          tried++;
          const problem = await tryFault(emu, ctx, fault, seed++).catch(
            (err: unknown) => `could not run: ${(err as Error).message}`,
          );
          if (problem === null) survived++;
          else notes.push(`${fault.name}: ${problem}`);
          opts.log(`faults: ${fault.name}: ${problem ?? 'survived'}`);
        }
      } finally {
        await ctx.close();
      }
      tried++;
      recovery = await killAndRecover(emu, opts);
      if (recovery.survived) survived++;
      else notes.push(`kill -9 mid-backfill: ${recovery.note}`);
    } finally {
      await emu.close();
      await db.drop();
    }
    const leaking = lines.filter(
      (l) => l.length > MAX_LOG_LINE || l.includes(MARKER) || /trackPoints|"lat":|"lon":/.test(l),
    ).length;
    notes.push(
      `The series ran on PGlite with the emulators at time scale 60; the log was read at debug level (${lines.length} lines).`,
      'recoverySeconds: from reopening the data folder after kill -9 of `oh-moves start` until the crashed member fetched weeks again.',
    );
    return {
      settings: { store: 'pglite', timeScale: 60, faultProbability: 0.3 },
      figures: {
        faultsTried: tried,
        faultsSurvived: survived,
        recoverySeconds: recovery?.recoverySeconds,
        logLinesWithMemberData: leaking,
      },
      targets: [
        target('faultsSurvived', `= faultsTried (${tried})`, survived, (v) => v === tried),
        target('recoverySeconds', '≤ 60', recovery?.recoverySeconds, (v) => v <= 60),
        target('logLinesWithMemberData', '= 0', leaking, (v) => v === 0),
      ],
      notes,
    };
  },
};
