// The shared rate budget against the Moves emulator: the job checkpoints, waits for the reset in the queue (not
// in a worker slot) and never gets a 429. The single-member test runs on real-length minute windows and a clock
// shared with the emulators that jumps to each reset, so every stop is certain however loaded the machine is.
import pg from 'pg';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds, postgresAvailable } from '../support/database.ts';
import { testConfig, type TestContext } from '../support/context.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import { openPostgres } from '../../src/db/database.ts';
import { syncState } from '../../src/db/schema.ts';
import { runSyncJob, type SyncResult } from '../../src/sync/sync-job.ts';
import {
  addMember,
  createSyncContext,
  movesStats,
  sharedClock,
  startUpstreams,
  syncUntilDone,
  type Upstreams,
} from './harness.ts';

const daysAgo = (n: number) =>
  new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');

describe.each(storeKinds())('rate budget on %s', (store) => {
  let up: Upstreams;
  let ctx: TestContext;
  let clock: ReturnType<typeof sharedClock>;
  beforeAll(async () => {
    // Real minutes (time scale 1); 2 requests per minute (4 in the new token's first hour) against ~23 needed:
    // at least 5 windows, so at least 4 stops unless a run took a whole minute. Resets are jumped to.
    up = await startUpstreams({ timeScale: 1, minuteLimit: 2, hourLimit: 1000, rateScope: 'user' });
    clock = sharedClock(up);
    ctx = await createSyncContext(
      up,
      store,
      { MOVES_TIME_SCALE: '1', MOVES_MINUTE_LIMIT: '2', MOVES_HOUR_LIMIT: '1000' },
      clock,
    );
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('with a small minute limit the job checkpoints, requeues for the reset and completes with zero 429s', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(150), timeZone: 'UTC', seed: 2 });
    const { runs } = await syncUntilDone(ctx, m.memberId, 60, clock.advance);
    expect(runs.at(-1)!.outcome).toBe('completed');
    const waits = runs.filter((r) => r.outcome === 'rate_limited');
    expect(waits.length).toBeGreaterThanOrEqual(2);
    // Every pause was scheduled for a window reset: a multiple of the minute (60 s at time scale 1).
    for (const w of waits) expect(w.nextRunAt!.getTime() % 60_000).toBe(0);
    // No request was wasted: the profile once, then every week exactly once (continuations skip both scans).
    const weeks = (await movesStats(up)).byRoute['GET /api/1.1/user/:kind/daily/:period']?.['200'];
    expect(runs.reduce((s, r) => s + r.movesRequests, 0)).toBe(weeks! + 1);
    const stats = await movesStats(up);
    expect(stats.rateLimited).toBe(0);
    expect(await ctx.metrics.moves429.get()).toMatchObject({ values: [{ value: 0 }] });
    expect((await ctx.metrics.rateLimitWaits.get()).values[0]!.value).toBe(waits.length);
    const [s] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, m.memberId));
    expect(s!.status).toBe('up_to_date');
    // Checkpoint uploads happened along the way (published at a budget stop), the final file is current.
    const published = runs.filter((r) => r.published).length;
    expect(published).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!postgresAvailable())('per-app budget across two worker contexts on PostgreSQL', () => {
  let up: Upstreams;
  let a: TestContext;
  let b: AppContext;
  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60, minuteLimit: 5, hourLimit: 1000, rateScope: 'app' });
    const env = { MOVES_MINUTE_LIMIT: '5', MOVES_HOUR_LIMIT: '1000', MOVES_RATE_SCOPE: 'app' };
    a = await createSyncContext(up, 'postgres', env);
    const url = a.testDatabase.url!;
    const config = testConfig({
      ...Object.fromEntries(
        Object.entries(process.env).filter(([k]) => k.startsWith('___never')) as [string, string][],
      ),
      APP_BASE_URL: a.config.appBaseUrl,
      OH_BASE_URL: a.config.openHumans.baseUrl,
      OH_CLIENT_ID: a.config.openHumans.clientId,
      OH_CLIENT_SECRET: a.config.openHumans.clientSecret,
      MOVES_API_BASE: a.config.moves.apiBase,
      MOVES_CLIENT_ID: a.config.moves.clientId,
      MOVES_CLIENT_SECRET: a.config.moves.clientSecret,
      MOVES_TIME_SCALE: '60',
      ...env,
    });
    b = await buildContext({
      config,
      logger: createLogger('silent'),
      database: openPostgres(url, 3),
      boss: { schedule: false, supervise: false },
    });
    void pg;
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await up?.close();
  });

  it('three members synced by two workers never exceed the app limit', async () => {
    const members = [];
    for (const seed of [31, 32, 33])
      members.push(await addMember(a, up, { firstDate: daysAgo(42), timeZone: 'UTC', seed }));
    const results = await Promise.all(
      members.map((m, i) => syncUntilDone((i % 2 === 0 ? a : b) as TestContext, m.memberId, 80)),
    );
    for (const r of results) expect(r.runs.at(-1)!.outcome).toBe('completed');
    expect((await movesStats(up)).rateLimited).toBe(0);
    const waits = results.flatMap((r) => r.runs).filter((r: SyncResult) => r.outcome === 'rate_limited');
    expect(waits.length).toBeGreaterThan(0);
    void runSyncJob;
  }, 180_000);
});
