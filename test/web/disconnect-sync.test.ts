// "Disconnect Moves" stops a queued sync: the waiting pg-boss job is cancelled, and a sync job that runs anyway
// for a member without a Moves account does nothing.
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movesAccounts, storedWeeks, syncEvents } from '../../src/db/schema.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import type { TestContext } from '../support/context.ts';
import {
  insertMember,
  pageToken,
  sessionCookie,
  setCookie,
  startTestWebApp,
  type TestWebApp,
  postCsrfForm,
} from './support.ts';

let web: TestWebApp;
let ctx: TestContext;
let app: FastifyInstance;

beforeAll(async () => {
  web = await startTestWebApp();
  ({ ctx, app } = web);
});

afterAll(async () => {
  await web?.close();
});

async function queuedJobId(memberId: number): Promise<string> {
  const events = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, memberId));
  const id = events.map((e) => (e.details as { jobId?: string } | null)?.jobId).find(Boolean);
  if (!id) throw new Error('no queued job recorded');
  return id;
}

describe('disconnect Moves with a sync waiting', () => {
  it('cancels the queued job and leaves nothing for a later run to do', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    expect(await ctx.queue.enqueueSync(m.id, 'manual', { startAfter: new Date(Date.now() + 3600_000) })).toBe(
      true,
    );
    const jobId = await queuedJobId(m.id);
    expect((await ctx.boss.getJobById(QUEUES.syncMember, jobId))?.state).toBe('created');

    const cookie = sessionCookie(app, { memberId: m.id });
    const page = await pageToken(app, '/remove_moves', cookie);
    const res = await postCsrfForm(app, '/remove_moves', page.cookie, page.token);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/remove_moves/done');
    const done = await app.inject({
      method: 'GET',
      url: '/remove_moves/done',
      headers: { cookie: setCookie(res)! },
    });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Moves disconnected');
    expect((await ctx.boss.getJobById(QUEUES.syncMember, jobId))?.state).toBe('cancelled');
    expect(await ctx.db.select().from(movesAccounts).where(eq(movesAccounts.memberId, m.id))).toEqual([]);

    // A job that had already been picked up runs for a member without a Moves account: it does nothing.
    const run = await runSyncJob(ctx, { memberId: m.id, reason: 'manual' });
    expect(run).toMatchObject({ outcome: 'skipped', weeksFetched: 0, movesRequests: 0, published: false });
    expect(await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, m.id))).toEqual([]);
    const status = (
      await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie: page.cookie } })
    ).json();
    expect(status.connected).toBe(false);
    expect(status.words).toBe('Moves is not connected');
    // Not the newcomer's "one last step": this member disconnected.
    const dash = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: page.cookie } });
    // Without a Moves account the dashboard is the one a member who brings an export sees: their history first.
    expect(dash.body).toContain('Your history');
    expect(dash.body).not.toContain('One last step');
  });

  it('cancels only that member’s job', async () => {
    const a = await insertMember(ctx, { withMoves: true });
    const b = await insertMember(ctx, { withMoves: true });
    const later = new Date(Date.now() + 3600_000);
    await ctx.queue.enqueueSync(a.id, 'manual', { startAfter: later });
    await ctx.queue.enqueueSync(b.id, 'manual', { startAfter: later });
    expect(await ctx.queue.cancelQueuedSyncs(a.id)).toBe(1);
    expect((await ctx.boss.getJobById(QUEUES.syncMember, await queuedJobId(a.id)))?.state).toBe('cancelled');
    expect((await ctx.boss.getJobById(QUEUES.syncMember, await queuedJobId(b.id)))?.state).toBe('created');
    expect(await ctx.queue.cancelQueuedSyncs(a.id)).toBe(0);
  });
});
