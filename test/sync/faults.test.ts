// The fault series against both emulators, on every store: Moves 5xx, malformed, truncated and dropped bodies,
// revoked tokens, a member leaving mid-sync, Open Humans upload failures at each step and a crash mid-upload,
// oversized names and a steady error rate. Each ends with exact data and nothing left behind on Open Humans,
// and no log line (debug level, everything) carries a track point, a coordinate, a place name or a token.
import { Readable, Writable } from 'node:stream';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMovesAccessToken, getOhAccessToken } from '../../src/accounts/index.ts';
import { members, movesAccounts, publishedFiles, storedWeeks } from '../../src/db/schema.ts';
import { handleSyncMember } from '../../src/jobs/handlers.ts';
import { runJob } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { MAX_STRING_CHARS } from '../../src/moves/day-limits.ts';
import { STORYLINE_FILENAME, STORYLINE_TAGS } from '../../src/sync/publish.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import type { TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { until } from '../support/wait.ts';
import {
  addMember,
  createSyncContext,
  daysAgo,
  downloadPublished,
  eventsOf,
  movesTruth,
  startUpstreams,
  syncStateOf,
  syncUntilDone,
  type OhFileInfo,
  type TestMember,
  type Upstreams,
} from './harness.ts';

/** Longest log line allowed: enough for any error with its stack, far from a week of track points. */
const MAX_LINE = 4096;
const HOSTILE = 'Secret Garden <img src=x onerror=alert(1)>';

/** Every file the emulator holds for the member, unfinished uploads included. */
async function allOhFiles(up: Upstreams, ohMemberId: string): Promise<OhFileInfo[]> {
  return up.oh.control.files(ohMemberId);
}

/** Exactly one complete storyline file and nothing unfinished: "survived" in the fault series. */
async function expectOneCompleteFile(up: Upstreams, m: TestMember): Promise<OhFileInfo> {
  const files = await allOhFiles(up, m.ohMemberId);
  expect(files.filter((f) => f.incomplete)).toEqual([]);
  expect(files.map((f) => f.basename)).toEqual([STORYLINE_FILENAME]);
  return files[0]!;
}

describe.each(storeKinds())('fault series on %s', (store) => {
  let up: Upstreams;
  let ctx: TestContext;
  const lines: string[] = [];
  /** What must never appear in a log line: tokens, place names, coordinates. */
  const secrets = new Set<string>([HOSTILE, 'Secret Garden']);

  /** Adds the member's tokens and a sample of their places and coordinates to the secrets. */
  async function remember(m: TestMember, firstDate: string, zone: string) {
    secrets.add((await getMovesAccessToken(ctx, m.memberId)).accessToken);
    secrets.add(await getOhAccessToken(ctx, m.memberId));
    const [row] = await ctx.db
      .select({ oh: members.ohRefreshToken, moves: movesAccounts.refreshToken })
      .from(members)
      .innerJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
      .where(eq(members.id, m.memberId));
    secrets.add(ctx.cipher.decrypt(row!.oh));
    secrets.add(ctx.cipher.decrypt(row!.moves));
    const { days } = await movesTruth(ctx, m.memberId, firstDate, zone);
    const text = JSON.stringify(days);
    for (const [, name] of text.matchAll(/"name":"([^"]{8,})"/g)) secrets.add(name!);
    for (const [, coord] of text.matchAll(/"lat":(-?\d+\.\d{4,})/g)) secrets.add(coord!);
  }

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60 });
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    ctx = await createSyncContext(
      up,
      store,
      { MOVES_TIME_SCALE: '60' },
      undefined,
      createLogger('debug', stream),
    );
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
  });

  it('Moves 5xx, malformed, truncated and dropped bodies: the sync finishes with the exact data', async () => {
    const firstDate = daysAgo(60);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'Europe/Berlin', seed: 41 });
    await remember(m, firstDate, 'Europe/Berlin');
    const storyline = '/api/1.1/user/storyline';
    up.moves.configure({
      faults: [
        { kind: 'status', probability: 0.2, pathPrefix: storyline },
        { kind: 'malformed', probability: 0.1, pathPrefix: storyline },
        { kind: 'truncate', probability: 0.1, pathPrefix: storyline },
        { kind: 'drop', probability: 0.05, pathPrefix: storyline },
      ],
    });
    try {
      const { runs } = await syncUntilDone(ctx, m.memberId, 40);
      expect(runs.at(-1)!.outcome).toBe('completed');
    } finally {
      up.moves.configure({ faults: [] });
    }
    expect(await downloadPublished(ctx, m.memberId)).toEqual(
      (await movesTruth(ctx, m.memberId, firstDate, 'Europe/Berlin')).days,
    );
    await expectOneCompleteFile(up, m);
  });

  it('revoked tokens (Moves, then Open Humans) end in needs_reauth', async () => {
    const firstDate = daysAgo(15);
    const a = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 42 });
    await remember(a, firstDate, 'UTC');
    await up.moves.control.revoke(a.movesUserId);
    expect((await runSyncJob(ctx, { memberId: a.memberId, reason: 'manual' })).outcome).toBe('needs_reauth');

    const b = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 43 });
    await remember(b, firstDate, 'UTC');
    // Leaving the project on Open Humans revokes our tokens; our record stays until the webhook arrives.
    await up.oh.control.leave(b.ohMemberId);
    expect((await runSyncJob(ctx, { memberId: b.memberId, reason: 'manual' })).outcome).toBe('needs_reauth');
    expect((await syncStateOf(ctx, b.memberId)).status).toBe('needs_reauth');
  });

  it('a member leaving mid-sync ends the job with a short, data-free error', async () => {
    const firstDate = daysAgo(400);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'Europe/Berlin', seed: 44 });
    await up.moves.control.setNames(m.movesUserId, { placeName: HOSTILE });
    await remember(m, firstDate, 'Europe/Berlin');
    up.moves.configure({
      faults: [{ kind: 'latency', latencyMs: 40, pathPrefix: '/api/1.1/user/storyline' }],
    });
    const before = lines.length;
    try {
      const job = runJob(ctx, 'sync-member', handleSyncMember, {
        id: 'leave-mid-sync',
        name: 'sync-member',
        data: { memberId: m.memberId, reason: 'manual' },
      } as Parameters<typeof runJob>[3]).then(
        (r) => ({ ok: true as const, r }),
        (err: unknown) => ({ ok: false as const, err }),
      );
      // Wait until a few weeks are stored, then the member leaves and the deauthorization webhook's work runs.
      await until(async () => {
        const [row] = await ctx.db
          .select({ n: sql<number>`count(*)::int` })
          .from(storedWeeks)
          .where(eq(storedWeeks.memberId, m.memberId));
        return (row?.n ?? 0) >= 4;
      }, 'a few stored weeks');
      await up.oh.control.leave(m.ohMemberId);
      await ctx.accounts.forgetMember(m.memberId);
      const outcome = await job;
      if (!outcome.ok) {
        // What pg-boss stores for the failed job: the reason without the statement or its parameters.
        const stored = JSON.stringify({
          message: (outcome.err as Error).message,
          stack: (outcome.err as Error).stack,
        });
        expect(stored).not.toContain('Secret Garden');
        expect(stored.length).toBeLessThan(MAX_LINE);
      }
    } finally {
      up.moves.configure({ faults: [] });
    }
    const logged = lines.slice(before);
    // The insert of the next week hit the foreign key of the member row that was deleted: logged by its kind.
    expect(logged.some((l) => /foreign key/.test(l))).toBe(true);
    expect(await ctx.db.select().from(members).where(eq(members.id, m.memberId))).toEqual([]);
  });

  it('each upload fault leaves exactly one complete file and no unfinished upload', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(20), timeZone: 'UTC', seed: 45 });
    await remember(m, daysAgo(20), 'UTC');
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('completed');
    const original = await expectOneCompleteFile(up, m);
    const faults: { name: string; config: object }[] = [
      {
        name: 'start refused',
        config: {
          endpoints: [
            { pathPrefix: '/api/direct-sharing/project/files/upload/direct', status: 500, count: 1 },
          ],
        },
      },
      { name: 'PUT 500', config: { put: { count: 1, status: 500 } } },
      { name: 'PUT dropped', config: { put: { count: 1, drop: true } } },
      { name: 'complete 500', config: { complete: { count: 1, status: 500 } } },
    ];
    for (const fault of faults) {
      await up.moves.control.editDay(m.movesUserId, daysAgo(3));
      await up.oh.control.configure(fault.config);
      const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
      expect(r.outcome, fault.name).toBe('retry_later');
      // The failed upload's file is gone at once; the previous file is still the current one.
      expect((await expectOneCompleteFile(up, m)).id, fault.name).toBe(original.id);
    }
    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'manual' });
    expect(r.outcome).toBe('completed');
    const now = await expectOneCompleteFile(up, m);
    expect(now.id).not.toBe(original.id);
    expect(now.metadata).toMatchObject({ tags: STORYLINE_TAGS });
  });

  it('an unfinished upload the failure could not remove, or a crash left, is removed by the next run', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(20), timeZone: 'UTC', seed: 46 });
    await remember(m, daysAgo(20), 'UTC');
    // Open Humans keeps failing the complete step: the upload and the immediate clean-up both fail.
    await up.oh.control.configure({ complete: { count: 2, status: 502 } });
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('retry_later');
    expect((await allOhFiles(up, m.ohMemberId)).filter((f) => f.incomplete)).toHaveLength(1);

    // A crash between creating an upload and finishing it: the file is recorded, nothing ran after the PUT.
    const token = await getOhAccessToken(ctx, m.memberId);
    await up.oh.control.configure({ put: { count: 1, drop: true } });
    await expect(
      ctx.openHumans.uploadFile(token, {
        filename: STORYLINE_FILENAME,
        metadata: { description: 'interrupted', tags: STORYLINE_TAGS },
        size: 4,
        body: () => Readable.from([Buffer.from('[{}]')]),
        onStarted: (s) => ctx.pendingUploads.record(m.memberId, s),
      }),
    ).rejects.toThrow();
    expect((await allOhFiles(up, m.ohMemberId)).filter((f) => f.incomplete)).toHaveLength(2);

    const r = await runSyncJob(ctx, { memberId: m.memberId, reason: 'requeue', failedRuns: 1 });
    expect(r.outcome).toBe('completed');
    await expectOneCompleteFile(up, m);
    expect(await downloadPublished(ctx, m.memberId)).toEqual(
      (await movesTruth(ctx, m.memberId, daysAgo(20), 'UTC')).days,
    );
    const rows = await ctx.db
      .select()
      .from(publishedFiles)
      .where(and(eq(publishedFiles.memberId, m.memberId), eq(publishedFiles.status, 'current')));
    expect(rows).toHaveLength(1);
  });

  it('a day with a 2 MB place name is refused with an event; the rest of the week is kept', async () => {
    const firstDate = daysAgo(10);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 47 });
    await remember(m, firstDate, 'UTC');
    // A day that has a named place (not every day does).
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'UTC');
    const target = truth.days.find((d) => d.date < daysAgo(1) && JSON.stringify(d).includes('"name":'))!.date;
    await up.moves.control.setNames(m.movesUserId, {
      placeName: 'Secret Garden ',
      repeat: Math.ceil((2 * 1024 * 1024) / 14),
      date: target,
    });
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('completed');
    const rejected = await eventsOf(ctx, m.memberId, 'day_rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.message).toContain(target);
    expect(rejected[0]!.message).toMatch(/characters long/);
    expect(rejected[0]!.message.length).toBeLessThan(500);
    const [size] = await ctx.db
      .select({ max: sql<number>`max(${storedWeeks.bytes})::int` })
      .from(storedWeeks)
      .where(eq(storedWeeks.memberId, m.memberId));
    expect(size!.max).toBeLessThan(MAX_STRING_CHARS * 200);
    const published = await downloadPublished(ctx, m.memberId);
    const truthDates = truth.days.map((d) => d.date);
    expect(published.map((d) => d.date)).toEqual(truthDates.filter((d) => d !== target));
    await up.moves.control.setNames(m.movesUserId, {});
  });

  it('names with U+2028, U+2029, NEL, astral characters and 3,000 characters are synced and published unchanged', async () => {
    const firstDate = daysAgo(10);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 49 });
    const name = `A\u2028B\u2029C\u0085D😀\r${'n'.repeat(2990)}`;
    await up.moves.control.setNames(m.movesUserId, { placeName: name });
    await remember(m, firstDate, 'UTC');
    expect((await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' })).outcome).toBe('completed');
    expect(await eventsOf(ctx, m.memberId, 'day_rejected')).toEqual([]);
    const truth = await movesTruth(ctx, m.memberId, firstDate, 'UTC');
    expect(JSON.stringify(truth.days)).toContain(JSON.stringify(name).slice(1, -1));
    expect(await downloadPublished(ctx, m.memberId)).toEqual(truth.days);
    await up.moves.control.setNames(m.movesUserId, {});
  });

  it('under a steady 60% error rate, runs that store weeks keep their short wait and never give up', async () => {
    // A year and a half: enough weeks that the random faults end more runs than the give-up limit (weeks in
    // flight are stored even when a run ends, so each run gets further than one request at a time would).
    const firstDate = daysAgo(548);
    const m = await addMember(ctx, up, { firstDate, timeZone: 'UTC', seed: 48 });
    up.moves.configure({
      faults: [{ kind: 'status', status: 503, probability: 0.6, pathPrefix: '/api/1.1/user/storyline' }],
    });
    let runs;
    try {
      ({ runs } = await syncUntilDone(ctx, m.memberId, 60));
    } finally {
      up.moves.configure({ faults: [] });
    }
    expect(runs.at(-1)!.outcome).toBe('completed');
    const retried = runs.filter((r) => r.outcome === 'retry_later');
    // More failed runs than the give-up limit, and none ended the chain: every one of them stored weeks.
    expect(retried.length).toBeGreaterThan(6);
    expect(runs.some((r) => r.outcome === 'failed')).toBe(false);
    const errors = await eventsOf(ctx, m.memberId, 'error');
    const counts = errors.map((e) => (e.details as { failedRuns?: number }).failedRuns ?? 0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    await remember(m, firstDate, 'UTC');
  }, 180_000);

  it('no log line carries a track point, a coordinate, a place name or a token', () => {
    expect(lines.length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThan(50);
    for (const line of lines) {
      expect(line.length).toBeLessThan(MAX_LINE);
      expect(line).not.toMatch(/trackPoints|"lat":|"lon":/);
      for (const s of secrets)
        if (line.includes(s)) expect.fail(`a log line contains "${s.slice(0, 40)}": ${line.slice(0, 300)}`);
    }
  });
});
