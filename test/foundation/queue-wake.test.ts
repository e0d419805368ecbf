// A sync queued in the process that runs the workers starts at once, not at the worker's next poll; a delayed
// one (a rate-limit pause) still waits for its time.
import { afterEach, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { until } from '../support/wait.ts';
import { insertMember } from '../web/support.ts';

/** Far longer than the test may take: a job picked up sooner was woken, not polled. */
const POLL_SECONDS = 120;

describe.each(storeKinds())('waking the local worker on %s', (store) => {
  let ctx: TestContext | undefined;
  afterEach(async () => {
    await ctx?.close();
    ctx = undefined;
  });

  async function workerRecordingPickups(): Promise<{ picked: Promise<number>; context: TestContext }> {
    const context = await createTestContext({ store });
    ctx = context;
    let resolvePicked!: (memberId: number) => void;
    const picked = new Promise<number>((resolve) => (resolvePicked = resolve));
    await context.queue.work(
      QUEUES.syncMember,
      { pollingIntervalSeconds: POLL_SECONDS, concurrency: 1 },
      async (job) => resolvePicked((job.data as { memberId: number }).memberId),
    );
    // The worker's first fetch (which finds nothing) has passed: it is waiting out its poll interval.
    await until(
      () => context.boss.getWipData().some((w) => w.name === QUEUES.syncMember && w.lastFetchedOn !== null),
      "the worker's first fetch",
    );
    return { picked, context };
  }

  it('a sync queued here starts without waiting for the next poll', async () => {
    const { picked, context } = await workerRecordingPickups();
    const m = await insertMember(context, { withMoves: true });
    expect(await context.queue.enqueueSync(m.id, 'manual')).toBe(true);
    const outcome = await Promise.race([
      picked,
      new Promise<string>((r) => setTimeout(() => r('not picked up within 20 s'), 20_000)),
    ]);
    expect(outcome).toBe(m.id);
  });

  it('a sync queued for later is not started early', async () => {
    const { picked, context } = await workerRecordingPickups();
    const m = await insertMember(context, { withMoves: true });
    const startAfter = new Date(context.clock.now() + 60_000);
    expect(await context.queue.enqueueSync(m.id, 'requeue', { startAfter })).toBe(true);
    const outcome = await Promise.race([
      picked.then(() => 'picked up early'),
      new Promise<string>((r) => setTimeout(() => r('waiting'), 1500)),
    ]);
    expect(outcome).toBe('waiting');
  });
});
