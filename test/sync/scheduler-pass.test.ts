// The scheduler pass picks stale, connected members that are not waiting for re-authorization or already queued.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import {
  members,
  movesAccounts,
  syncState,
  type MovesAccountStatus,
  type SyncStatus,
} from '../../src/db/schema.ts';
import { runSchedulerPass } from '../../src/sync/scheduler-pass.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { QUEUES } from '../../src/jobs/queues.ts';

describe.each(storeKinds())('scheduler pass on %s', (store) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ store, env: { STALE_AFTER_HOURS: '96' } });
  });
  afterAll(async () => ctx?.close());

  let n = 0;
  async function member(p: {
    status?: MovesAccountStatus;
    ohNeedsReauth?: boolean;
    lastSuccessHoursAgo?: number | null;
    syncStatus?: SyncStatus;
    connected?: boolean;
  }): Promise<number> {
    n++;
    const enc = ctx.cipher.encrypt('x');
    const [m] = await ctx.db
      .insert(members)
      .values({
        ohMemberId: String(10_000_000 + n),
        ohAccessToken: enc,
        ohRefreshToken: enc,
        ohTokenExpiresAt: new Date(Date.now() + 3_600_000),
        ohNeedsReauth: p.ohNeedsReauth ?? false,
      })
      .returning({ id: members.id });
    if (p.connected !== false)
      await ctx.db.insert(movesAccounts).values({
        memberId: m!.id,
        movesUserId: String(900_000_000_000_000_000n + BigInt(n)),
        accessToken: enc,
        refreshToken: enc,
        tokenExpiresAt: new Date(Date.now() + 3_600_000),
        tokenIssuedAt: new Date(),
        status: p.status ?? 'connected',
      });
    if (p.lastSuccessHoursAgo !== undefined || p.syncStatus)
      await ctx.db.insert(syncState).values({
        memberId: m!.id,
        status: p.syncStatus ?? 'up_to_date',
        lastSuccessAt:
          p.lastSuccessHoursAgo == null ? null : new Date(Date.now() - p.lastSuccessHoursAgo * 3_600_000),
      });
    return m!.id;
  }

  it('enqueues stale and never-synced connected members once, and nobody else', async () => {
    const stale = await member({ lastSuccessHoursAgo: 100 });
    const fresh = await member({ lastSuccessHoursAgo: 10 });
    const never = await member({});
    const neverButRunning = await member({ lastSuccessHoursAgo: null, syncStatus: 'running' });
    const reauth = await member({ status: 'needs_reauth', lastSuccessHoursAgo: 200 });
    const ohReauth = await member({ ohNeedsReauth: true, lastSuccessHoursAgo: 200 });
    const noMoves = await member({ connected: false });
    const r = await runSchedulerPass(ctx);
    expect(r.memberIds.sort()).toEqual([stale, never].sort());
    expect(r.enqueued).toBe(2);
    for (const id of [fresh, neverButRunning, reauth, ohReauth, noMoves])
      expect(r.memberIds).not.toContain(id);
    const [s] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, stale));
    expect(s!.status).toBe('queued');
    // A second pass finds them queued already: nothing new.
    expect((await runSchedulerPass(ctx)).enqueued).toBe(0);
  });

  it('queues again a member whose state says running with no job, and leaves a member with a live job alone', async () => {
    const stranded = await member({ lastSuccessHoursAgo: 10, syncStatus: 'running' });
    const busy = await member({ lastSuccessHoursAgo: 10, syncStatus: 'running' });
    await ctx.boss.send(
      QUEUES.syncMember,
      { memberId: busy, reason: 'manual' },
      { singletonKey: String(busy) },
    );
    // Everything queued so far becomes active, the busy member's job among it.
    const active = await ctx.boss.fetch<{ memberId: number }>(QUEUES.syncMember, { batchSize: 100 });
    expect(active.map((j) => j.data.memberId)).toContain(busy);
    await runSchedulerPass(ctx);
    const stateOf = async (id: number) =>
      (await ctx.db.select().from(syncState).where(eq(syncState.memberId, id)))[0]!.status;
    const jobsOf = async (id: number) =>
      (await ctx.boss.findJobs(QUEUES.syncMember, { key: String(id) })).map((j) => j.state);
    expect(await stateOf(stranded)).toBe('queued'); // no "Fetching week …" for a job that does not exist
    expect(await jobsOf(stranded)).toEqual(['created']);
    expect(await stateOf(busy)).toBe('running');
    expect(await jobsOf(busy)).toEqual(['active']);
  });

  it('queues no Moves update in import-only mode, even for a stale member with a Moves account', async () => {
    const id = await member({ lastSuccessHoursAgo: 200 });
    const importOnly = Object.assign(Object.create(ctx) as TestContext, {
      config: { ...ctx.config, mode: 'import-only', moves: { ...ctx.config.moves, enabled: false } },
    });
    expect(await runSchedulerPass(importOnly)).toEqual({ enqueued: 0, memberIds: [] });
    expect(await ctx.queue.liveSyncJobs(id)).toEqual([]);
  });

  it('is registered as the scheduler-pass job, next to the sync job', () => {
    expect(jobHandlers[QUEUES.schedulerPass]).toBeTypeOf('function');
    expect(jobHandlers[QUEUES.syncMember]).toBeTypeOf('function');
  });
});
