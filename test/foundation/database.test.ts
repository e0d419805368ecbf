import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../src/db/schema.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { members } from '../../src/db/schema.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { BOSS_SCHEMA, createBoss, startBoss } from '../../src/jobs/boss.ts';
import { createQueues, QUEUES } from '../../src/jobs/queues.ts';
import { handBackDeadJobs } from '../../src/jobs/recovery.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/database.ts';
import { until } from '../support/wait.ts';

describe.each(storeKinds())('database on %s', (kind) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
  });

  it('has every table after migration, and migrating again is a no-op', async () => {
    const database = await createTestDatabase(kind);
    opened.push(database);
    await runMigrations(database);
    const { rows } = await database.sql.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    // Every table the schema defines exists, and nothing else: the migrations match the schema.
    const defined = Object.values(schema)
      .filter((v) => is(v, PgTable))
      .map((t) => getTableName(t as PgTable))
      .sort();
    expect(defined).toContain('stored_weeks');
    expect(rows.map((r) => r.table_name)).toEqual(defined);
    await database.db.insert(members).values({
      ohMemberId: '01234567',
      ohAccessToken: 'enc',
      ohRefreshToken: 'enc',
      ohTokenExpiresAt: new Date(),
    });
    const count = await database.db.select({ n: sql<number>`count(*)::int` }).from(members);
    expect(count[0]?.n).toBe(1);
  });

  it('runs a pg-boss job round trip', async () => {
    const database = await createTestDatabase(kind);
    opened.push(database);
    const boss = createBoss(database, createLogger('silent'), { schedule: false, supervise: false });
    await boss.start();
    await createQueues(boss, [{ name: 'round-trip' }]);
    const received = new Promise<unknown>((resolve) => {
      void boss.work<{ hello: string }>('round-trip', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
        resolve(job?.data);
      });
    });
    const id = await boss.send('round-trip', { hello: kind });
    expect(id).toBeTruthy();
    await expect(received).resolves.toEqual({ hello: kind });
    // The job ends completed.
    await until(
      async () => (await boss.getJobById('round-trip', id!))?.state === 'completed',
      'the job to be completed',
    );
    await boss.stop({ graceful: true, close: false, timeout: 2000 });
  });

  it('keeps one job per member with the stately policy and a singleton key', async () => {
    const database = await createTestDatabase(kind);
    opened.push(database);
    const boss = createBoss(database, createLogger('silent'), { schedule: false, supervise: false });
    await boss.start();
    await createQueues(boss);
    const first = await boss.send('sync-member', { memberId: 1 }, { singletonKey: '1' });
    const second = await boss.send('sync-member', { memberId: 1 }, { singletonKey: '1' });
    const other = await boss.send('sync-member', { memberId: 2 }, { singletonKey: '2' });
    expect(first).toBeTruthy();
    expect(second).toBeNull();
    expect(other).toBeTruthy();
    await boss.stop({ graceful: false, close: false });
  });

  it("never lets a member's second job block the queue while their first is active", async () => {
    const database = await createTestDatabase(kind);
    opened.push(database);
    const errors: unknown[] = [];
    const boss = createBoss(database, createLogger('silent'), { schedule: false, supervise: false });
    boss.on('error', (e) => errors.push(e));
    await boss.start();
    const send = (memberId: number) =>
      boss.send(QUEUES.syncMember, { memberId }, { singletonKey: String(memberId) });
    await send(1);
    const [running] = await boss.fetch(QUEUES.syncMember);
    expect(running?.data).toEqual({ memberId: 1 });
    // Member 1 asks again (queued behind the active job), then member 2 connects.
    expect(await send(1)).toBeTruthy();
    expect(await send(2)).toBeTruthy();
    const next = await boss.fetch(QUEUES.syncMember);
    expect(next.map((j) => j.data)).toEqual([{ memberId: 2 }]);
    expect(await boss.fetch(QUEUES.syncMember)).toEqual([]);
    expect(errors).toEqual([]);
    // Once the first run ends, the follow-up runs.
    await boss.complete(QUEUES.syncMember, running!.id);
    expect((await boss.fetch(QUEUES.syncMember)).map((j) => j.data)).toEqual([{ memberId: 1 }]);
    await boss.stop({ graceful: false, close: false });
  });

  it('hands back at once the jobs a dead process left active (embedded start)', async () => {
    const database = await createTestDatabase(kind);
    opened.push(database);
    const logger = createLogger('silent');
    const boss = createBoss(database, logger, { schedule: false, supervise: false });
    await boss.start();
    const id = await boss.send(QUEUES.syncMember, { memberId: 7 }, { singletonKey: '7' });
    expect((await boss.fetch(QUEUES.syncMember)).map((j) => j.id)).toEqual([id]);
    // The process that fetched it is gone: nothing completes it.
    expect(await handBackDeadJobs(boss, database.sql, logger)).toBe(1);
    const [again] = await boss.fetch(QUEUES.syncMember);
    expect(again?.id).toBe(id);
    expect(again?.data).toEqual({ memberId: 7 });
    await boss.stop({ graceful: false, close: false });
  });

  it('rebuilds a job queue schema too old for pg-boss 12 to migrate', async () => {
    const database = await createTestDatabase(kind);
    opened.push(database);
    // pg-boss 10 wrote schema version 24; pg-boss 12 migrates from 25 on.
    await database.sql.query(`update ${BOSS_SCHEMA}.version set version = 24`);
    const { boss, rebuilt } = await startBoss(database, createLogger('silent'), {
      schedule: false,
      supervise: false,
    });
    expect(rebuilt).toBe(true);
    await createQueues(boss);
    expect(await boss.send(QUEUES.syncMember, { memberId: 3 }, { singletonKey: '3' })).toBeTruthy();
    await boss.stop({ graceful: false, close: false });
  });
});

describe('embedded PGlite and the event loop', () => {
  it('lets timers and requests run between the queries of a long job', async () => {
    const database = await createTestDatabase('pglite');
    try {
      // PGlite answers synchronously: without a yield before each query, all of them would run before the timer.
      let timerRan = false;
      setTimeout(() => (timerRan = true), 0);
      let before = 0;
      for (let i = 0; i < 40; i++) {
        if (i % 2) await database.sql.query('select $1::int as n', [i]);
        else await database.db.select({ n: sql<number>`1` }).from(members);
        if (!timerRan) before++;
      }
      expect(timerRan).toBe(true);
      expect(before).toBeLessThan(4);
    } finally {
      await database.close();
    }
  });
});
