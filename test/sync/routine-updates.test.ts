// Staying current at scale: an unchanged routine update costs at most 3 Moves requests and no bytes whatever the
// history's length; an edit years back is found at once through a Moves notification and, without one, by the
// rolling deep scan within one cycle; backfills and requested updates go ahead of routine ones.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/app.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import { getMovesAccessToken } from '../../src/accounts/index.ts';
import { weekOfDate } from '../../src/moves/weeks.ts';
import { deepScanCycleUpdates } from '../../src/sync/deep-scan.ts';

import { createRateBudget } from '../../src/sync/rate-budget.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import type { TestContext } from '../support/context.ts';
import {
  addMember,
  apiRequests,
  createSyncContext,
  daysAgo,
  downloadPublished,
  eventsOf,
  movesStats,
  ohFiles,
  setNotificationUrl,
  startUpstreams,
  type TestMember,
  type Upstreams,
} from './harness.ts';

const FIVE_YEARS = 5 * 365 + 1;

describe('routine updates of a 5-year history', () => {
  let up: Upstreams;
  let ctx: TestContext;
  let web: FastifyInstance;
  let m: TestMember;
  const firstDate = daysAgo(FIVE_YEARS);
  const zone = 'Europe/Berlin';

  /** One scheduled update: its outcome, the Moves requests it made and the bytes it uploaded. */
  async function routineUpdate(reason: 'scheduler' | 'notification' = 'scheduler') {
    const before = apiRequests(await movesStats(up));
    const filesBefore = await ohFiles(up, m.ohMemberId);
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason });
    const filesAfter = await ohFiles(up, m.ohMemberId);
    const changedFile = filesAfter[0]?.id !== filesBefore[0]?.id;
    return { r, requests: apiRequests(await movesStats(up)) - before, changedFile };
  }

  /** Moves' current copy of one day (one request, not the whole history). */
  async function movesDay(date: string) {
    const { accessToken } = await getMovesAccessToken(ctx, m.memberId);
    const week = await ctx.moves.storylineWeek(accessToken, weekOfDate(date));
    return (JSON.parse(week.daysJson) as { date: string }[]).find((d) => d.date === date);
  }

  /** The published file holds each day once, in order, and Moves' current copy of `date`. */
  async function expectPublishedHas(date: string) {
    const published = await downloadPublished(ctx, m.memberId);
    const dates = published.map((d) => d.date);
    expect(dates[0]).toBe(firstDate);
    expect(new Set(dates).size).toBe(dates.length);
    expect([...dates].sort()).toEqual(dates);
    const day = published.find((d) => d.date === date);
    expect(day).toEqual(await movesDay(date));
    return day;
  }

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60 });
    ctx = await createSyncContext(up, 'pglite', { MOVES_TIME_SCALE: '60' });
    web = await buildWebApp(ctx);
    const url = await web.listen({ host: '127.0.0.1', port: 0 });
    setNotificationUrl(up, `${url}/webhooks/moves/notify`);
    m = await addMember(ctx, up, { firstDate, timeZone: zone, seed: 23 });
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' });
    expect(r.outcome).toBe('completed');
  });
  afterAll(async () => {
    await web?.close();
    await ctx?.close();
    await up?.close();
  });

  it('an unchanged scheduled update makes at most 3 Moves requests and uploads nothing, again and again', async () => {
    for (let i = 0; i < 4; i++) {
      const { r, requests, changedFile } = await routineUpdate();
      expect(r.outcome).toBe('completed');
      expect(requests).toBeGreaterThan(0);
      expect(requests).toBeLessThanOrEqual(3);
      expect(r.published).toBe(false);
      expect(changedFile).toBe(false);
    }
  });

  it('an edit three years back is found at once through the Moves notification', async () => {
    const edited = daysAgo(3 * 365);
    const before = await movesDay(edited);
    // The emulator POSTs the signed notification to the app's webhook, which marks the edited week stale.
    await up.moves.control.editDay(m.movesUserId, edited);
    await expect
      .poll(async () => (await eventsOf(ctx, m.memberId, 'edits_notified')).length, { timeout: 10_000 })
      .toBe(1);
    const { r, requests } = await routineUpdate('notification');
    expect(r.outcome).toBe('completed');
    expect(r.published).toBe(true);
    expect(requests).toBeLessThanOrEqual(4); // the edited week, the current week(s) and one deep-scan step
    expect(await expectPublishedHas(edited)).not.toEqual(before);
  });

  it('without a notification, the rolling deep scan finds an edit within one documented cycle', async () => {
    setNotificationUrl(up, 'http://127.0.0.1:9/nowhere'); // Moves' notification is lost
    const edited = daysAgo(3 * 365 + 40);
    const before = await movesDay(edited);
    await up.moves.control.editDay(m.movesUserId, edited);
    const cycle = deepScanCycleUpdates(FIVE_YEARS + 7);
    let updates = 0;
    let found = false;
    while (!found && updates < cycle) {
      const { r, requests } = await routineUpdate();
      updates++;
      expect(r.outcome).toBe('completed');
      found = r.published;
      // Finding it costs the edited week on top of the usual at most 3.
      expect(requests).toBeLessThanOrEqual(found ? 4 : 3);
    }
    expect(found).toBe(true);
    expect(updates).toBeLessThanOrEqual(cycle);
    expect(await expectPublishedHas(edited)).not.toEqual(before);
  }, 240_000); // about 35 routine updates: seconds on a quiet machine, minutes on a busy one
});

describe('backfills first on the shared per-app budget', () => {
  let up: Upstreams;
  let ctx: TestContext;

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 1, rateScope: 'app' });
    ctx = await createSyncContext(up, 'pglite', {
      MOVES_RATE_SCOPE: 'app',
      MOVES_MINUTE_LIMIT: '10',
      MOVES_HOUR_LIMIT: '1000',
      MOVES_TIME_SCALE: '1',
    });
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('routine requests stop at half of a window; a backfill still gets the rest', async () => {
    const account = { movesUserId: '1', tokenIssuedAt: new Date(0) };
    // All inside one minute window: the budget's clock stands still at the start of a minute no other test uses.
    const at = Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000;
    const budget = createRateBudget({ ...ctx, clock: { now: () => at, date: () => new Date(at) } });
    const routine: boolean[] = [];
    for (let i = 0; i < 8; i++) routine.push((await budget.take({ ...account, routine: true })).ok);
    expect(routine.filter(Boolean)).toHaveLength(5);
    const backfill: boolean[] = [];
    for (let i = 0; i < 8; i++) backfill.push((await budget.take(account)).ok);
    expect(backfill.filter(Boolean)).toHaveLength(5);
  });

  it('a waiting backfill is fetched from the queue before routine updates queued earlier', async () => {
    const routineMembers: TestMember[] = [];
    for (let i = 0; i < 3; i++)
      routineMembers.push(
        await addMember(ctx, up, { firstDate: daysAgo(30), timeZone: 'UTC', seed: 40 + i }),
      );
    const newcomer = await addMember(ctx, up, { firstDate: daysAgo(30), timeZone: 'UTC', seed: 50 });
    for (const r of routineMembers) expect(await ctx.queue.enqueueSync(r.memberId, 'scheduler')).toBe(true);
    expect(await ctx.queue.enqueueSync(newcomer.memberId, 'connect')).toBe(true);
    const [first] = await ctx.boss.fetch<{ memberId: number; reason: string }>(QUEUES.syncMember);
    expect(first?.data).toMatchObject({ memberId: newcomer.memberId, reason: 'connect' });
  });

  it('"Update now" while a routine update waits takes its place at the requested priority', async () => {
    const waiting = await addMember(ctx, up, { firstDate: daysAgo(30), timeZone: 'UTC', seed: 60 });
    const other = await addMember(ctx, up, { firstDate: daysAgo(30), timeZone: 'UTC', seed: 61 });
    expect(await ctx.queue.enqueueSync(waiting.memberId, 'scheduler')).toBe(true);
    expect(await ctx.queue.enqueueSync(other.memberId, 'scheduler')).toBe(true);
    expect(await ctx.queue.enqueueSync(waiting.memberId, 'manual')).toBe(true);
    const jobs = await ctx.boss.findJobs<{ reason: string; routine?: boolean }>(QUEUES.syncMember, {
      key: String(waiting.memberId),
      queued: true,
    });
    expect(jobs.map((j) => ({ reason: j.data.reason, routine: j.data.routine ?? false }))).toEqual([
      { reason: 'manual', routine: false },
    ]);
    // A second press finds the requested job queued and adds nothing.
    expect(await ctx.queue.enqueueSync(waiting.memberId, 'manual')).toBe(false);
    const [first] = await ctx.boss.fetch<{ memberId: number; reason: string }>(QUEUES.syncMember);
    expect(first?.data).toMatchObject({ memberId: waiting.memberId, reason: 'manual' });
  });
});
