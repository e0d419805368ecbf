// Deleting the account while a sync uploads a checkpoint to Open Humans: the deletion waits for the upload in
// flight (the sync stops right after it), then deletes that file too, and says so. Made deterministic with the
// Open Humans emulator's delay fault: the upload's "complete" step is held while the deletion starts.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { members, pendingUploads } from '../../src/db/schema.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import type { TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { until } from '../support/until.ts';
import { addMember, createSyncContext, daysAgo, startUpstreams, type Upstreams } from './harness.ts';

const COMPLETE_PATH = '/api/direct-sharing/project/files/upload/complete/';

describe.each(storeKinds())('deleting the account during a sync on %s', (store) => {
  let up: Upstreams;
  let ctx: TestContext;

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60 });
    ctx = await createSyncContext(up, store, { MOVES_TIME_SCALE: '60' });
    await startWorker(ctx, jobHandlers);
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('waits for the checkpoint upload in flight and removes it: Open Humans keeps no file of ours', async () => {
    // Over three years: the backfill publishes a checkpoint after its first 52 weeks.
    const m = await addMember(ctx, up, { firstDate: daysAgo(3 * 365 + 60), timeZone: 'UTC', seed: 57 });
    await up.oh.control.configure({
      faults: { endpoints: [{ pathPrefix: COMPLETE_PATH, delayMs: 3000, count: 1 }] },
    });
    await ctx.queue.enqueueSync(m.memberId, 'connect');
    const started = async () =>
      (await ctx.db.select().from(pendingUploads).where(eq(pendingUploads.memberId, m.memberId))).length > 0;
    await until(started, 'the checkpoint upload to start');

    const report = await ctx.accounts.deleteAccount(m.memberId);

    // Nothing of ours on Open Humans, not even an unfinished upload that nobody could see or delete.
    expect(await up.oh.control.files(m.ohMemberId)).toEqual([]);
    // The report names the checkpoint file it deleted, rather than "no file of ours was there".
    expect(report.filesDeleted.map((f) => f.basename)).toEqual([STORYLINE_FILENAME]);
    expect(report).toMatchObject({
      filesLeft: [],
      unfinishedUploadsLeft: 0,
      leftProject: true,
      accountDeleted: true,
    });
    expect(report.weeksDeleted).toBeGreaterThanOrEqual(52);
    expect(await ctx.db.select().from(members).where(eq(members.id, m.memberId))).toEqual([]);
  });
});
