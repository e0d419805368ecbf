// The sync's life around the fetch loop, against both emulators: a shutdown mid-backfill (checkpoint and
// requeue), syncs run by a live pg-boss worker (startWorker + enqueueSync, with duplicate requests), a returning
// member who imported an archive before the first sync, and a member who connects a different Moves account.
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { until } from '../support/wait.ts';
import { publishedFiles, storedWeeks } from '../../src/db/schema.ts';
import { getOhAccessToken } from '../../src/accounts/index.ts';
import { connectMovesAccount } from '../../src/accounts/moves-accounts.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { currentWeek, weekOfDate, weekRange } from '../../src/moves/weeks.ts';
import { uploadLegacyStoryline } from '../support/legacy-file.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import { resetMemberData } from '../../src/sync/reset.ts';
import { runSchedulerPass } from '../../src/sync/scheduler-pass.ts';
import { storeDaysAsWeeks } from '../../src/sync/seed.ts';
import { PREFETCH_DEPTH } from '../../src/sync/prefetch.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import {
  addMember,
  createSyncContext,
  daysAgo,
  downloadPublished,
  eventsOf,
  movesTruth,
  syncStateOf,
  movesStats,
  ohFiles,
  movesCode,
  startUpstreams,
  storylineCount,
  type Upstreams,
} from './harness.ts';

/** The member's sync jobs that are waiting or running. */
async function unfinishedJobs(ctx: TestContext, memberId: number): Promise<number> {
  const { rows } = await ctx.database.sql.query<{ n: number }>(
    `select count(*)::int as n from pgboss.job
     where name = 'sync-member' and singleton_key = $1 and state in ('created', 'retry', 'active')`,
    [String(memberId)],
  );
  return rows[0]!.n;
}

async function queuedJobs(ctx: TestContext, memberId: number) {
  const { rows } = await ctx.database.sql.query<{ data: { reason: string } }>(
    `select data from pgboss.job where name = 'sync-member' and singleton_key = $1 and state = 'created'`,
    [String(memberId)],
  );
  return rows;
}

describe.each(storeKinds())('sync lifecycle on %s', (store) => {
  let up: Upstreams;
  let ctx: TestContext;

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60 });
    ctx = await createSyncContext(up, store, { MOVES_TIME_SCALE: '60', WORKER_CONCURRENCY: '2' });
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('a shutdown mid-backfill keeps the fetched weeks, requeues, and the continuation fetches only the rest', async () => {
    const firstDate = daysAgo(120);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 41 });
    // This job's context aborts its shutdown signal right after the third week arrives from Moves.
    const controller = new AbortController();
    let weeksSeen = 0;
    const moves = new Proxy(ctx.moves, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'storylineWeek' || typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          const r: unknown = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (++weeksSeen === 3) controller.abort();
          return r;
        };
      },
    });
    const before = storylineCount(await movesStats(up));
    const r = await runSyncJob(
      { ...ctx, moves, shutdownSignal: controller.signal },
      { memberId: m.memberId, reason: 'connect' },
    );
    expect(r.outcome).toBe('shutdown');
    // No request starts after the signal; the weeks already on their way (prefetch) are stored too.
    expect(r.weeksFetched).toBeGreaterThanOrEqual(3);
    expect(r.weeksFetched).toBeLessThanOrEqual(3 + PREFETCH_DEPTH - 1);
    const stored = await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, m.memberId));
    expect(stored).toHaveLength(r.weeksFetched);
    expect((await syncStateOf(ctx, m.memberId)).weeksDone).toBe(r.weeksFetched); // progress written on the way out
    expect(await eventsOf(ctx, m.memberId, 'paused')).toHaveLength(1);
    expect((await queuedJobs(ctx, m.memberId)).map((j) => j.data.reason)).toEqual(['requeue']);

    const r2 = await runSyncJob(ctx, { memberId: m.memberId, reason: 'requeue' });
    expect(r2.outcome).toBe('completed');
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'UTC');
    expect(r2.weeksFetched).toBe(truth.weeks.length - r.weeksFetched);
    // Every week fetched once over both runs (the continuation skipped the profile and the edit scan).
    expect(storylineCount(await movesStats(up)) - before - truth.weeks.length).toBe(truth.weeks.length);
    expect(r.movesRequests + r2.movesRequests).toBe(truth.weeks.length + 1);
    expect(await downloadPublished(ctx, m.memberId)).toEqual(truth.days);
    // The continuation ran here, not through the queue: drop its queued job so the worker test starts clean.
    await ctx.database.sql.query(`delete from pgboss.job where name = 'sync-member' and singleton_key = $1`, [
      String(m.memberId),
    ]);
  });

  it('a live worker runs the sync; the scheduler, the button and a requeue firing together run it once', async () => {
    const firstDate = daysAgo(40);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'Europe/Berlin', seed: 42 });
    const weeksBefore = storylineCount(await movesStats(up));
    const profileBefore = (await movesStats(up)).byRoute['GET /api/1.1/user/profile']?.['200'] ?? 0;
    const fired = await Promise.all([
      runSchedulerPass(ctx),
      ctx.queue.enqueueSync(m.memberId, 'manual'),
      ctx.queue.enqueueSync(m.memberId, 'requeue'),
      ctx.queue.enqueueSync(m.memberId, 'manual'),
    ]);
    expect(await queuedJobs(ctx, m.memberId)).toHaveLength(1);
    expect(
      fired.slice(1).filter((x) => x === true).length + (fired[0].memberIds.includes(m.memberId) ? 1 : 0),
    ).toBe(1);
    const since = ctx.clock.now();
    await startWorker(ctx, jobHandlers);
    await until(async () => {
      const s = await syncStateOf(ctx, m.memberId);
      return s.status === 'up_to_date' && (s.lastSuccessAt?.getTime() ?? 0) >= since;
    }, 'the worker to finish the sync');
    // Every job queued above has run or been refused by now: a duplicate would show as a second completion.
    await until(async () => (await unfinishedJobs(ctx, m.memberId)) === 0, 'no sync job left for the member');
    expect(await eventsOf(ctx, m.memberId, 'completed')).toHaveLength(1);
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'Europe/Berlin');
    const stats = await movesStats(up);
    // The sync's requests (movesTruth's own are the second copy of every week).
    expect(storylineCount(stats) - weeksBefore).toBe(2 * truth.weeks.length);
    expect((stats.byRoute['GET /api/1.1/user/profile']?.['200'] ?? 0) - profileBefore).toBe(1);
    expect(await downloadPublished(ctx, m.memberId)).toEqual(truth.days);
    expect(await queuedJobs(ctx, m.memberId)).toHaveLength(0);
  });

  it('a returning member who imported an archive first: the old file becomes current, fills only the missing weeks, and is replaced', async () => {
    const firstDate = daysAgo(70);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 43 });
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'UTC');
    // The original app's file: everything up to four weeks ago.
    const legacyDays = truth.days.filter((d) => d.date < daysAgo(28));
    const body = JSON.stringify(legacyDays);
    const legacy = await uploadLegacyStoryline(ctx, await getOhAccessToken(ctx, m.memberId), body);
    // An archive import before the first sync stored the two oldest weeks.
    const archiveWeeks = truth.weeks.slice(0, 2);
    await storeDaysAsWeeks(
      ctx,
      m.memberId,
      Readable.from(
        truth.days.filter((d) => archiveWeeks.includes(weekOfDate(d.date))).map((d) => JSON.stringify(d)),
      ),
      { source: 'archive', timeZone: 'UTC', now: ctx.clock.date() },
    );

    const before = storylineCount(await movesStats(up));
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' });
    expect(r.outcome).toBe('completed');
    const rows = await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, m.memberId));
    const source = (w: string) => rows.find((x) => x.week === w)?.source;
    // The archive weeks were not overwritten by the file (the newest import week is always fetched again from
    // Moves, as the import cannot know it was complete); the file filled the weeks between; Moves the last weeks.
    expect(source(archiveWeeks[0]!)).toBe('archive');
    expect(source(archiveWeeks[1]!)).toBe('moves');
    expect(rows.filter((x) => x.source === 'openhumans').length).toBeGreaterThan(2);
    // Moves is asked for exactly the weeks the file cannot vouch for: the archive's newest week, and every week
    // from the file's newest week (complete or not: the file cannot say) to this one. How many that is depends
    // on the weekday the file ends on, so the expectation is computed, not a fixed bound.
    const newestFileWeek = weekOfDate(legacyDays.at(-1)!.date);
    const fromMoves = new Set([archiveWeeks[1]!, ...truth.weeks.filter((w) => w >= newestFileWeek)]);
    expect(
      rows
        .filter((x) => x.source === 'moves')
        .map((x) => x.week)
        .sort(),
    ).toEqual([...fromMoves].sort());
    expect(storylineCount(await movesStats(up)) - before).toBe(fromMoves.size);
    // One file: the new one. The old one was registered as current and deleted after the upload.
    const files = await ohFiles(up, m.ohMemberId);
    expect(files.filter((f) => f.basename === STORYLINE_FILENAME)).toHaveLength(1);
    expect(files.map((f) => f.id)).not.toContain(legacy.id);
    const published = await ctx.db
      .select()
      .from(publishedFiles)
      .where(eq(publishedFiles.memberId, m.memberId));
    expect(published.find((p) => p.ohFileId === legacy.id)?.status).toBe('deleted');
    expect(await downloadPublished(ctx, m.memberId)).toEqual(truth.days);
  });

  it('resetMemberData after connecting a different Moves account: the new history replaces the old one', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(30), timeZone: 'UTC', seed: 44 });
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('completed');
    const [oldFile] = await ohFiles(up, m.ohMemberId);

    // The member connects another Moves user, with a longer history.
    const firstDate = daysAgo(50);
    const { userId } = up.moves.createUser({ firstDate, timeZone: 'Asia/Tokyo', seed: 45 });
    const code = await movesCode(up, userId);
    const linked = await connectMovesAccount(ctx, m.memberId, await ctx.moves.exchangeCode(code));
    expect(linked).toMatchObject({ ok: true, changedAccount: true });

    const reset = await resetMemberData(ctx, m.memberId);
    expect(reset.weeksDeleted).toBeGreaterThan(3);
    expect(await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, m.memberId))).toHaveLength(
      0,
    );
    const s = await syncStateOf(ctx, m.memberId);
    expect([s.lastSyncStartedAt, s.lastSuccessAt, s.weeksDone]).toEqual([null, null, 0]);
    // The published file stays until the next upload replaces it.
    expect((await ohFiles(up, m.ohMemberId)).map((f) => f.id)).toEqual([oldFile!.id]);

    const before = storylineCount(await movesStats(up));
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
    expect(r.outcome).toBe('completed');
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'Asia/Tokyo');
    expect(storylineCount(await movesStats(up)) - before - truth.weeks.length).toBe(truth.weeks.length);
    expect(await downloadPublished(ctx, m.memberId)).toEqual(truth.days);
    expect((await ohFiles(up, m.ohMemberId)).map((f) => f.id)).not.toContain(oldFile!.id);
  });
});

describe('a rate-limited sync through a live worker (PGlite)', () => {
  let up: Upstreams;
  let ctx: TestContext;
  beforeAll(async () => {
    // A minute lasts 3 s; 2 requests per minute (4 while the token is new) against 9 needed: at least 2 stops.
    up = await startUpstreams({ timeScale: 20, minuteLimit: 2, hourLimit: 1000, rateScope: 'user' });
    ctx = await createSyncContext(up, 'pglite', {
      MOVES_TIME_SCALE: '20',
      MOVES_MINUTE_LIMIT: '2',
      MOVES_HOUR_LIMIT: '1000',
      WORKER_CONCURRENCY: '1',
    });
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('pauses through the queue: each continuation is queued just before the reset and the sync completes', async () => {
    const firstDate = daysAgo(52);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 46 });
    const since = ctx.clock.now();
    await startWorker(ctx, jobHandlers);
    await ctx.queue.enqueueSync(m.memberId, 'connect');
    await until(
      async () => {
        const s = await syncStateOf(ctx, m.memberId);
        return s.status === 'up_to_date' && (s.lastSuccessAt?.getTime() ?? 0) >= since;
      },
      'the rate-limited sync to finish',
      { timeoutMs: 60_000 },
    );
    const stops = await eventsOf(ctx, m.memberId, 'rate_limited');
    expect(stops.length).toBeGreaterThanOrEqual(1);
    const queued = (await eventsOf(ctx, m.memberId, 'queued')).filter(
      (e) => (e.details as { reason?: string }).reason === 'requeue',
    );
    expect(queued).toHaveLength(stops.length);
    for (const [i, stop] of stops.entries()) {
      const resetAt = Date.parse((stop.details as { resetAt: string }).resetAt);
      expect(resetAt % 3000).toBe(0); // a window edge
      const runsAt = Date.parse((queued[i]!.details as { startAfter: string }).startAfter);
      // Queued a moment early, so polling does not delay the resume (or at once, when storing the weeks already
      // fetched or the checkpoint upload ran past that moment: on a loaded machine it can outlast a 3 s window)…
      expect(runsAt).toBeLessThanOrEqual(Math.max(resetAt - 1, queued[i]!.at.getTime()));
      expect(runsAt).toBeGreaterThanOrEqual(resetAt - 1000); // …but never long before it
    }
    const stats = await movesStats(up);
    expect(stats.rateLimited).toBe(0);
    const weeks = weekRange(weekOfDate(firstDate), currentWeek('UTC', ctx.clock.date())).length;
    expect(storylineCount(stats)).toBe(weeks);
    expect(stats.byRoute['GET /api/1.1/user/profile']?.['200']).toBe(1);
    expect((await ctx.metrics.rateLimitWaits.get()).values[0]!.value).toBe(stops.length);
  }, 90_000);
});
