// The sync job end to end against both emulators, on every store: backfill, incremental runs, edits, rate
// limits, upload failures, Moves faults, revoked tokens, seeding from a legacy file and job de-duplication.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/database.ts';
import type { TestContext } from '../support/context.ts';
import { publishedFiles, storedWeeks, movesAccounts } from '../../src/db/schema.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import { getOhAccessToken } from '../../src/accounts/index.ts';
import { uploadLegacyStoryline } from '../support/legacy-file.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import {
  addMember,
  apiRequests,
  createSyncContext,
  daysAgo,
  downloadPublished,
  eventsOf,
  movesTruth,
  syncStateOf,
  movesStats,
  ohFiles,
  startUpstreams,
  storylineCount,
  syncUntilDone,
  type Upstreams,
} from './harness.ts';

describe.each(storeKinds())('sync job on %s', (store) => {
  let up: Upstreams;
  let ctx: TestContext;

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60 });
    ctx = await createSyncContext(up, store, { MOVES_TIME_SCALE: '60' });
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('backfills a new member, publishes every day once in order, then fetches only what is new', async () => {
    const firstDate = daysAgo(120);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'Europe/Berlin', seed: 7 });
    const before = storylineCount(await movesStats(up));
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' });
    expect(r.outcome).toBe('completed');
    expect(r.published).toBe(true);
    const fetched = storylineCount(await movesStats(up)) - before;

    const published = await downloadPublished(ctx, m.memberId);
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'Europe/Berlin');
    expect(fetched).toBe(truth.weeks.length);
    expect(published).toEqual(truth.days);
    const dates = published.map((d) => d.date);
    expect(dates[0]).toBe(firstDate);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);

    const s = await syncStateOf(ctx, m.memberId);
    expect(s.status).toBe('up_to_date');
    expect(s.weeksDone).toBe(truth.weeks.length);
    // The profile's localization is kept: the member's units and first weekday follow it.
    const localization = (await ctx.accounts.preferences(m.memberId)).movesLocalization;
    expect(localization).toMatchObject({ metric: expect.any(Boolean), firstWeekDay: expect.any(Number) });
    expect(s.weeksTotal).toBe(truth.weeks.length);
    expect(s.lastSuccessAt).not.toBeNull();

    const files = await ohFiles(up, m.ohMemberId);
    expect(files).toHaveLength(1);
    expect(files[0]!.metadata).toMatchObject({
      description: 'Moves GPS maps, locations, and steps data.',
      tags: ['GPS', 'Moves', 'steps'],
      start_date: `${firstDate.slice(0, 4)}-${firstDate.slice(4, 6)}-${firstDate.slice(6)}`,
      md5: files[0]!.md5,
    });

    // Second run: only the partial current week is fetched again; nothing changed → no upload.
    const mid = storylineCount(await movesStats(up));
    const r2 = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
    expect(r2.outcome).toBe('completed');
    expect(storylineCount(await movesStats(up)) - mid).toBe(1);
    expect(r2.published).toBe(false);
    expect(await ohFiles(up, m.ohMemberId)).toHaveLength(1);

    // An edited past day: its week is found with updatedSince and fetched again, and the file is replaced.
    const edited = daysAgo(60);
    await up.moves.control.editDay(m.movesUserId, edited);
    const mid2 = storylineCount(await movesStats(up));
    const r3 = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
    expect(r3.outcome).toBe('completed');
    expect(storylineCount(await movesStats(up)) - mid2).toBe(2); // the edited week + the current week
    expect(r3.published).toBe(true);
    const after = await downloadPublished(ctx, m.memberId);
    const truth2 = await movesTruth(ctx, m.memberId, firstDate, 'Europe/Berlin');
    expect(after).toEqual(truth2.days);
    expect(after.find((d) => d.date === edited)).not.toEqual(published.find((d) => d.date === edited));
    const files2 = await ohFiles(up, m.ohMemberId);
    expect(files2).toHaveLength(1);
    const rows = await ctx.db.select().from(publishedFiles).where(eq(publishedFiles.memberId, m.memberId));
    expect(rows.filter((f) => f.status === 'current').map((f) => f.ohFileId)).toEqual([files2[0]!.id]);
    expect(rows.filter((f) => f.status === 'deleted')).toHaveLength(1);
  });

  it('a failure at each upload step keeps the previous file; the next attempt replaces it', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(20), timeZone: 'UTC', seed: 11 });
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('completed');
    const [original] = await ohFiles(up, m.ohMemberId);
    const faults = [
      {
        endpoints: [{ pathPrefix: '/api/direct-sharing/project/files/upload/direct', status: 500, count: 1 }],
      },
      { put: { count: 1, status: 500 } },
      { complete: { count: 1, status: 500 } },
    ];
    for (const fault of faults) {
      await up.moves.control.editDay(m.movesUserId, daysAgo(10));
      await up.oh.control.configure(fault);
      const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
      expect(r.outcome).toBe('retry_later');
      const files = await ohFiles(up, m.ohMemberId);
      expect(files.map((f) => f.id)).toContain(original!.id);
      const [current] = await ctx.db
        .select()
        .from(publishedFiles)
        .where(and(eq(publishedFiles.memberId, m.memberId), eq(publishedFiles.status, 'current')));
      expect(current!.ohFileId).toBe(original!.id);
      expect((await syncStateOf(ctx, m.memberId)).lastError).toMatch(/\w/);
    }
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
    expect(r.outcome).toBe('completed');
    expect(r.published).toBe(true);
    const files = await ohFiles(up, m.ohMemberId);
    expect(files.filter((f) => f.basename === STORYLINE_FILENAME)).toHaveLength(1);
    expect(files[0]!.id).not.toBe(original!.id);
  });

  it('5xx, timeouts and malformed bodies from Moves never reach the stored data', async () => {
    const firstDate = daysAgo(40);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'Asia/Tokyo', seed: 5 });
    up.moves.configure({
      faults: [
        { kind: 'status', status: 500, probability: 0.3, pathPrefix: '/api/1.1/user/storyline' },
        { kind: 'malformed', probability: 0.2, pathPrefix: '/api/1.1/user/storyline' },
        { kind: 'truncate', probability: 0.1, pathPrefix: '/api/1.1/user/storyline' },
      ],
    });
    try {
      const { runs } = await syncUntilDone(ctx, m.memberId, 40);
      expect(runs.at(-1)!.outcome).toBe('completed');
    } finally {
      up.moves.configure({ faults: [] });
    }
    const published = await downloadPublished(ctx, m.memberId);
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'Asia/Tokyo');
    expect(published).toEqual(truth.days);
  });

  it('a revoked Moves token ends in needs_reauth without a retry loop', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(10), timeZone: 'UTC', seed: 3 });
    await up.moves.control.revoke(m.movesUserId);
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
    expect(r.outcome).toBe('needs_reauth');
    const s = await syncStateOf(ctx, m.memberId);
    expect(s.status).toBe('needs_reauth');
    expect(s.lastError).toMatch(/connect your Moves account again/);
    const [acct] = await ctx.db.select().from(movesAccounts).where(eq(movesAccounts.memberId, m.memberId));
    expect(acct!.status).toBe('needs_reauth');
    // Nothing queued behind it, and a second run does not even call Moves.
    const jobs = await ctx.database.sql.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name = 'sync-member' and singleton_key = $1 and state in ('created','retry')`,
      [String(m.memberId)],
    );
    expect(jobs.rows[0]!.n).toBe(0);
    const before = apiRequests(await movesStats(up));
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' })).outcome).toBe('needs_reauth');
    expect(apiRequests(await movesStats(up))).toBe(before);
  });

  it('seeds a legacy member from the existing Open Humans file and replaces it after the new upload', async () => {
    const firstDate = daysAgo(50);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 21 });
    // The original app's file: the history up to three weeks ago, pretty-printed, plus two broken entries.
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'UTC');
    const cut = daysAgo(21);
    const legacy = truth.days.filter((d) => d.date < cut);
    const body = JSON.stringify([...legacy, 'error', { nodate: true }], null, 1);
    const ohToken = await getOhAccessToken(ctx, m.memberId);
    const legacyFile = await uploadLegacyStoryline(ctx, ohToken, body);
    const before = storylineCount(await movesStats(up));
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' });
    expect(r.outcome).toBe('completed');
    const fetched = storylineCount(await movesStats(up)) - before;
    expect(fetched).toBeLessThan(truth.weeks.length);
    expect(fetched).toBeGreaterThanOrEqual(3);
    const seededWeeks = await ctx.db
      .select({ week: storedWeeks.week })
      .from(storedWeeks)
      .where(and(eq(storedWeeks.memberId, m.memberId), eq(storedWeeks.source, 'openhumans')));
    expect(seededWeeks.length).toBeGreaterThan(0);
    const invalid = await eventsOf(ctx, m.memberId, 'seed_invalid_days');
    expect(invalid[0]!.details).toMatchObject({ invalid: 2 });
    const published = await downloadPublished(ctx, m.memberId);
    expect(published).toEqual((await movesTruth(ctx, m.memberId, firstDate, 'UTC')).days);
    const files = await ohFiles(up, m.ohMemberId);
    expect(files.map((f) => f.id)).not.toContain(legacyFile.id);
  });

  it('the scheduler, the button and a requeue firing together make one job', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(5), timeZone: 'UTC', seed: 9 });
    const { runSchedulerPass } = await import('../../src/sync/scheduler-pass.ts');
    const results = await Promise.all([
      runSchedulerPass(ctx),
      ctx.queue.enqueueSync(m.memberId, 'manual'),
      ctx.queue.enqueueSync(m.memberId, 'requeue'),
    ]);
    void results;
    const jobs = await ctx.database.sql.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name = 'sync-member' and singleton_key = $1 and state = 'created'`,
      [String(m.memberId)],
    );
    expect(jobs.rows[0]!.n).toBe(1);
  });
});
