// steady-state: many members already in sync; a day passes; the scheduler pass finds them all stale and the
// workers bring each up to date. How long the pass takes, what each member costs in Moves requests and
// published bytes, and how long until all are current. Then an immediate second round where nothing changed.
//
// Seeding (10,000 real backfills would take hours): each member is connected as in the other scenarios,
// with a Moves history that starts two days ago; its weeks are fetched once from the emulator with the
// member's own token (so the stored bytes are exactly what Moves serves), stored with the engine's saveWeek,
// and published with the engine's publishStoryline (a real upload to the Open Humans emulator and a
// 'current' published_files row); sync_state is set to up_to_date as of now. Counters are read as deltas
// from the end of seeding.
import type { AppContext } from '../../src/context.ts';
import { createBenchContext, createBenchDatabase, postgresReachable } from '../harness/context.ts';
import { apiRequestCounts, startBenchEmulators } from '../harness/emulators.ts';
import { connectMembers, type BenchMember, type MemberSpec } from '../harness/members.ts';
import { waitForSyncs } from '../harness/progress.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { requireSyncHandler, startInProcessWorker, startWorkerProcesses } from '../harness/workers.ts';
import { HOUR_LIMIT, MINUTE_LIMIT } from './backfill.ts';

const DAY_MS = 86_400_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC'];

async function seedInSync(ctx: AppContext, members: BenchMember[], concurrency: number): Promise<void> {
  const { saveWeek } = await import('../../src/sync/week-store.ts');
  const { publishStoryline } = await import('../../src/sync/publish.ts');
  const { updateSyncState } = await import('../../src/sync/sync-state.ts');
  const { currentWeek, weekRange, weekOfDate, weekIsComplete } = await import('../../src/moves/weeks.ts');
  const moves = ctx.moves;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < members.length) {
        const m = members[next++]!;
        const token = ctx.cipher.decrypt(
          (
            await ctx.database.sql.query<{ access_token: string }>(
              'select access_token from moves_accounts where member_id = $1',
              [m.memberId],
            )
          ).rows[0]!.access_token,
        );
        const now = ctx.clock.date();
        const weeks = weekRange(weekOfDate(m.spec.firstDate), currentWeek(m.spec.timeZone, now));
        for (const week of weeks) {
          const w = await moves.storylineWeek(token, week);
          await saveWeek(ctx, m.memberId, {
            week,
            daysJson: w.daysJson,
            dates: w.dates,
            complete: weekIsComplete(week, m.spec.timeZone, now),
            source: 'moves',
          });
        }
        await publishStoryline(ctx, m.memberId, async () => m.ohAccessToken);
        await updateSyncState(ctx, m.memberId, {
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

export const steadyState: Scenario = {
  name: 'steady-state',
  description:
    'members in sync, a day passes: scheduler pass, requests and bytes per member, time to current',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    await requireSyncHandler();
    const memberCount = opts.quick ? 200 : 10_000;
    const usePostgres = await postgresReachable();
    const workerProcesses = usePostgres ? 2 : 0;
    const timeScale = 1;
    const emu = await startBenchEmulators({
      timeScale,
      minuteLimit: MINUTE_LIMIT,
      hourLimit: HOUR_LIMIT,
      rateScope: 'user',
    });
    const db = await createBenchDatabase(usePostgres ? 'postgres' : 'pglite');
    const env = {
      ...emu.appEnv,
      ...db.env,
      MOVES_RATE_SCOPE: 'user',
      STALE_AFTER_HOURS: '20',
      WORKER_CONCURRENCY: '4',
    };
    let ctx: (AppContext & { clockOffset: { offsetMs: number } }) | undefined;
    try {
      ctx = await createBenchContext({ env });
      const now = new Date();
      const firstDate = (z: string) =>
        new Date(now.getTime() - 2 * DAY_MS).toLocaleDateString('sv-SE', { timeZone: z }).replace(/-/g, '');
      const specs: MemberSpec[] = Array.from({ length: memberCount }, (_, i) => {
        const timeZone = ZONES[i % ZONES.length]!;
        return { firstDate: firstDate(timeZone), timeZone, seed: 5000 + (i % 50) };
      });
      opts.log(`steady-state: seeding ${memberCount} members in sync`);
      const seedStart = Date.now();
      const members = await connectMembers(emu.endpoints(), ctx, specs, 8);
      await seedInSync(ctx, members, 8);
      const seedS = (Date.now() - seedStart) / 1000;
      opts.log(`steady-state: seeded in ${round(seedS, 1)} s; a day passes`);

      // A day passes on both emulators and on every app clock.
      await emu.setClockOffset(DAY_MS);
      ctx.clockOffset.offsetMs = DAY_MS;
      const workerEnv = { ...env, BENCH_CLOCK_OFFSET_MS: String(DAY_MS) };
      const workers = workerProcesses ? await startWorkerProcesses(workerProcesses, workerEnv) : undefined;
      if (!workers) await startInProcessWorker(ctx);
      const moves0 = apiRequestCounts(await emu.movesStats());
      const oh0 = await emu.openHumansStats();

      const { runSchedulerPass } = await import('../../src/sync/scheduler-pass.ts');
      const t0 = Date.now();
      const since = ctx.clock.now() - 1;
      const pass = await runSchedulerPass(ctx);
      const passMs = Date.now() - t0;
      const ids = members.map((m) => m.memberId);
      const done = await waitForSyncs(ctx, ids, {
        since,
        timeoutMs: opts.quick ? 90_000 : 900_000,
        appClockOffsetMs: DAY_MS,
        pollMs: 500,
        onProgress: (n) => n % 1000 === 0 && opts.log(`steady-state: ${n}/${memberCount} current`),
      });
      const ends = [...done.finishedAt.values()];
      const lastEnd = ends.length ? Math.max(...ends) : Date.now();
      const moves1 = apiRequestCounts(await emu.movesStats());
      const oh1 = await emu.openHumansStats();

      // Nothing changed since: a second round must publish nothing.
      const { enqueueSync } = await import('../../src/sync/enqueue.ts');
      const sample = ids.slice(0, Math.min(ids.length, opts.quick ? 200 : 1000));
      const since2 = ctx.clock.now() - 1;
      for (const id of sample) await enqueueSync(ctx, id, 'manual');
      const done2 = await waitForSyncs(ctx, sample, {
        since: since2,
        timeoutMs: 300_000,
        appClockOffsetMs: DAY_MS,
        pollMs: 250,
      });
      const oh2 = await emu.openHumansStats();
      const moves2 = apiRequestCounts(await emu.movesStats());
      if (workers) await workers.stop();

      const requests = moves1.requests - moves0.requests;
      const bytesUploaded = oh1.bytesUploaded - oh0.bytesUploaded;
      const figures: Figures = {
        schedulerPassS: round(passMs / 1000, 2),
        enqueued: pass.enqueued,
        requests,
        http429: moves2.http429,
        requestsPerMember: round(requests / memberCount, 2),
        bytesUploaded,
        bytesPublishedPerMember: Math.round(bytesUploaded / memberCount),
        bytesDownloaded: oh1.bytesDownloaded - oh0.bytesDownloaded,
        allCurrentS: round((lastEnd - t0) / 1000, 1),
        completionSpreadS: ends.length ? round((lastEnd - Math.min(...ends)) / 1000, 1) : undefined,
        membersCurrent: done.finishedAt.size,
        unchangedRoundMembers: sample.length,
        unchangedRoundBytesPublished: oh2.bytesUploaded - oh1.bytesUploaded,
        unchangedRoundRequestsPerMember: round((moves2.requests - moves1.requests) / sample.length, 2),
        seedS: round(seedS, 1),
      };
      const notes = [
        `members have a history that starts two days before the run (so seeding ${memberCount} stays feasible); bytes published per member grow with history length, since each change republishes the whole file`,
        `${workers ? `${workerProcesses} worker processes on PostgreSQL` : 'one in-process worker on PGlite (no PostgreSQL server)'}, WORKER_CONCURRENCY=4, STALE_AFTER_HOURS=20 so a day makes every member stale, time scale 1, per-user budget`,
        'a day passes by moving both emulator clocks (POST /_control/config {clockOffsetMs}) and every app clock by 24 h',
      ];
      if (done.stuck.length)
        notes.push(
          `${done.stuck.length} member(s) not current: e.g. ${JSON.stringify(done.stuck.slice(0, 3))}`,
        );
      if (done2.stuck.length) notes.push(`unchanged round: ${done2.stuck.length} member(s) did not finish`);
      return {
        settings: {
          members: memberCount,
          historyDays: 3,
          store: db.kind,
          workerProcesses: workerProcesses || 'in-process',
          timeScale,
        },
        figures,
        targets: [
          target(
            'unchangedRoundBytesPublished',
            '= 0 (no bytes when nothing changed)',
            figures.unchangedRoundBytesPublished,
            (v) => v === 0,
          ),
          target('http429', '= 0', figures.http429, (v) => v === 0),
        ],
        notes,
      };
    } finally {
      await ctx?.close().catch(() => {});
      await emu.close();
      await db.drop().catch(() => {});
    }
  },
};
