import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../../src/db/schema.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { members } from '../../src/db/schema.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createBoss } from '../../src/jobs/boss.ts';
import { createQueues } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, storeKinds, type TestDatabase } from '../support/database.ts';

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
    let state: string | undefined;
    for (let i = 0; i < 40 && state !== 'completed'; i++) {
      state = (await boss.getJobById('round-trip', id!))?.state;
      if (state !== 'completed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('completed');
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
});
