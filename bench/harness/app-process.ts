// A child process running oh-moves for a benchmark, so its memory is measured on its own and the load
// generator does not share its CPU. The task comes in BENCH_TASK; results go back over IPC.
//   worker   — the sync workers on the database in the environment, until told to stop
//   backfill — connect one member, run its first sync to the end, report times, bytes and peak RSS; with
//              `warmUp`, another member's whole sync runs first, so the measured one runs in a warm process
//   import   — a member without Moves uploads an export archive: its job imports and publishes it; reports the
//              job's time, the days, the file and peak RSS
//   web      — the web role; with `spec`, one signed-in member (reports a session cookie) and, with `syncSpec`,
//              a second member whose backfill is queued so a sync runs during the load; `worker` also runs
//              the sync workers in this process (the embedded store belongs to one process)
import { appFigures } from './app-metrics.ts';
import { createBenchContext, type BenchContext } from './context.ts';
import type { EmulatorEndpoints } from './emulators.ts';
import { connectMember, signInOpenHumansOnly, type MemberSpec } from './members.ts';
import { countRows, currentFileBytes, waitForSyncs } from './progress.ts';
import { RssSampler } from './rss.ts';
import { requireSyncHandler, startInProcessWorker } from './workers.ts';
import { sessionCookieFor } from './session-cookie.ts';

type Task =
  | { kind: 'worker' }
  | {
      kind: 'backfill';
      endpoints: EmulatorEndpoints;
      spec: MemberSpec;
      timeoutMs: number;
      warmUp?: MemberSpec;
    }
  | { kind: 'import'; endpoints: EmulatorEndpoints; archive: string }
  | {
      kind: 'web';
      endpoints: EmulatorEndpoints;
      spec?: MemberSpec;
      syncSpec?: MemberSpec;
      worker?: boolean;
    };

const send = (m: Record<string, unknown>) =>
  new Promise<void>((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));

/** A message from the benchmark: `stop`, or `go` (start the measured work: its counters are read). */
const messageFromBench = (type: 'stop' | 'go') =>
  new Promise<void>((resolve) =>
    process.on('message', (m) => {
      if ((m as { type?: string }).type === type) resolve();
    }),
  );
const stopRequested = messageFromBench('stop');
const goRequested = messageFromBench('go');

async function main(): Promise<void> {
  const task = JSON.parse(process.env.BENCH_TASK ?? '{}') as Task;
  const rss = new RssSampler().start();
  const env = process.env as Record<string, string>;
  let ctx: BenchContext | undefined;
  try {
    ctx = await createBenchContext({
      env,
      clockOffsetMs: Number(env.BENCH_CLOCK_OFFSET_MS ?? 0),
      supervise: task.kind !== 'worker' || env.BENCH_SUPERVISE === '1',
    });
    if (task.kind === 'worker') {
      await startInProcessWorker(ctx);
      await send({ type: 'ready' });
      await stopRequested;
      await ctx.close();
      const peak = rss.stop();
      await send({ type: 'result', figures: await appFigures(ctx.metrics), peakRssMb: peak.maxRssMb });
    } else if (task.kind === 'backfill') {
      await requireSyncHandler();
      await startInProcessWorker(ctx);
      const warmUpS = task.warmUp
        ? await warmUp(ctx, task.endpoints, task.warmUp, task.timeoutMs)
        : undefined;
      const member = await connectMember(task.endpoints, ctx, task.spec);
      await send({ type: 'ready', memberId: member.memberId });
      await goRequested;
      const { t0, tEnd, done } = await firstSync(ctx, member.memberId, task.timeoutMs);
      const result = {
        type: 'result',
        t0,
        tEnd,
        tokenIssuedAt: member.movesTokenIssuedAt.getTime(),
        memberId: member.memberId,
        warmUpS,
        stuck: done.stuck,
        timedOut: done.timedOut,
        finalFileBytes: await currentFileBytes(ctx, member.memberId),
        publishes: await countRows(ctx, 'published_files', `member_id = ${member.memberId}`),
        storedWeeks: await countRows(ctx, 'stored_weeks', `member_id = ${member.memberId}`),
        app: await appFigures(ctx.metrics),
      };
      await ctx.close();
      const peak = rss.stop();
      await send({ ...result, peakRssMb: peak.maxRssMb, sampledPeakRssMb: peak.sampledPeakMb });
    } else if (task.kind === 'import') {
      const fs = await import('node:fs');
      const { acceptUpload, reserveUpload } = await import('../../src/archive/uploads.ts');
      const { handleSyncMember } = await import('../../src/jobs/handlers.ts');
      const { memberId } = await signInOpenHumansOnly(task.endpoints, ctx);
      // What POST /import leaves behind: the upload under DATA_DIR and the member's job queued.
      const bytes = (await fs.promises.stat(task.archive)).size;
      const slot = await reserveUpload(ctx, memberId, bytes);
      if (!('id' in slot)) throw new Error(`the upload was refused: ${slot.why}`);
      await fs.promises.copyFile(task.archive, slot.path);
      await acceptUpload(ctx, memberId, slot, { fileName: 'moves_export.zip', bytes });
      await send({ type: 'ready', memberId });
      const t0 = Date.now();
      // The job itself, without the queue's pickup delay.
      await handleSyncMember(ctx, { id: 'bench', data: { memberId, reason: 'import' } } as never);
      const tEnd = Date.now();
      const { rows } = await ctx.database.sql.query<{
        report: { daysRead: number; added: number } | null;
        error: string | null;
      }>('select report, error from archive_imports where member_id = $1', [memberId]);
      const result = {
        type: 'result',
        t0,
        tEnd,
        archiveBytes: bytes,
        days: rows[0]?.report?.added ?? 0,
        error: rows[0]?.error ?? null,
        finalFileBytes: await currentFileBytes(ctx),
        publishes: await countRows(ctx, 'published_files'),
      };
      await ctx.close();
      const peak = rss.stop();
      await send({ ...result, peakRssMb: peak.maxRssMb, sampledPeakRssMb: peak.sampledPeakMb });
    } else if (task.kind === 'web') {
      const { buildWebApp } = await import('../../src/web/app.ts');
      const member = task.spec ? await connectMember(task.endpoints, ctx, task.spec) : undefined;
      if (task.worker) await startInProcessWorker(ctx);
      const syncing = task.syncSpec ? await connectMember(task.endpoints, ctx, task.syncSpec) : undefined;
      if (syncing) await ctx.queue.enqueueSync(syncing.memberId, 'connect');
      const app = await buildWebApp(ctx);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      await send({
        type: 'ready',
        url,
        ...(member ? { cookie: await sessionCookieFor(ctx, member.memberId) } : {}),
      });
      await stopRequested;
      // Where the backfill got to while the load ran (it must still be running for the figures to count).
      const state = syncing ? await ctx.syncState.get(syncing.memberId) : undefined;
      await app.close();
      await ctx.close();
      await send({
        type: 'result',
        peakRssMb: rss.stop().maxRssMb,
        ...(state
          ? { backfill: { status: state.status, weeksDone: state.weeksDone, weeksTotal: state.weeksTotal } }
          : {}),
      });
    }
    process.exit(0);
  } catch (err) {
    await send({ type: 'error', error: (err as Error).message });
    await ctx?.close().catch(() => {});
    process.exit(1);
  }
}

/** A connected member's first sync, from queueing to its stored completion time (real ms). */
async function firstSync(ctx: BenchContext, memberId: number, timeoutMs: number) {
  const t0 = Date.now();
  await ctx.queue.enqueueSync(memberId, 'connect');
  const done = await waitForSyncs(ctx, [memberId], {
    since: ctx.clock.now() - 1,
    timeoutMs,
    // The end is the stored completion time, so polling often buys no precision: it would only take the
    // database from the job being measured (on PGlite, the same thread).
    pollMs: 250,
  });
  return { t0, tEnd: done.finishedAt.get(memberId) ?? Date.now(), done };
}

/** One member's whole sync, queued to done, in seconds: the first job of a new process (code not yet warm). */
async function warmUp(ctx: BenchContext, endpoints: EmulatorEndpoints, spec: MemberSpec, timeoutMs: number) {
  const member = await connectMember(endpoints, ctx, spec);
  const { t0, tEnd, done } = await firstSync(ctx, member.memberId, timeoutMs);
  if (done.stuck.length) throw new Error(`the warm-up sync did not finish: ${done.stuck[0]!.status}`);
  return (tEnd - t0) / 1000;
}

void main();
