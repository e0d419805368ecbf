// pg-boss on either store. On PGlite it talks through pg-boss's own adapter (fromPglite: one statement stream,
// an aborted transaction rolled back before the error is passed on); on PostgreSQL it shares our pool.
import { fromPglite, PgBoss, type Db } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';

export const BOSS_SCHEMA = 'pgboss';

export interface BossOptions {
  /** Run cron schedules in this process (the scheduler role). */
  schedule?: boolean;
  /** Run maintenance (expiry, lost heartbeats, archiving) in this process. */
  supervise?: boolean;
}

/**
 * How often maintenance looks for jobs whose worker stopped sending heartbeats (and for expired ones). With the
 * sync queue's 20 s heartbeat, a job whose process died is handed back within about 20 + 10 s.
 */
export const SUPERVISE_SECONDS = 10;

/** pg-boss's `db` for our store: the official PGlite adapter, or our pg pool (a failed client is discarded). */
export function bossDb(database: Database): { db: Db; backend: 'pglite' | 'postgres' } {
  if (database.pglite) return { db: fromPglite(database.pglite), backend: 'pglite' };
  const pool = database.pool;
  if (!pool) throw new Error('a PostgreSQL database without a pool');
  return {
    backend: 'postgres',
    db: {
      executeSql: (text, values) => pool.query(text, values),
      poolCounts: () => ({
        max: pool.options.max ?? 10,
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
    },
  };
}

export function createBoss(database: Database, logger: Logger, opts: BossOptions = {}): PgBoss {
  const boss = new PgBoss({
    ...bossDb(database),
    schema: BOSS_SCHEMA,
    schedule: opts.schedule ?? true,
    supervise: opts.supervise ?? true,
    migrate: true,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
    // Less background SQL on the one embedded connection: no index rebuilds or vacuum checks (for big queues), no
    // instance registry (for pg-boss's dashboard), and no job flows to poll for.
    reindex: false,
    monitorVacuum: false,
    registerInstance: false,
    flowIntervalSeconds: 300,
  });
  // Every error pg-boss meets, fetching included (a worker's failed fetch reaches this event), is logged.
  boss.on('error', (err: Error) => logger.error({ err }, 'job queue error'));
  boss.on('warning', (w: { message: string }) => logger.warn({ warning: w.message }, 'job queue warning'));
  return boss;
}

/**
 * Creates and starts pg-boss, which migrates its schema. pg-boss 12 migrates schemas from version 25 (pg-boss 11)
 * on; an older one (pg-boss 10 wrote version 24) is dropped and created anew. `rebuilt` is true then: the
 * queued jobs are gone, and the caller queues again what the members' sync state says is pending.
 */
export async function startBoss(
  database: Database,
  logger: Logger,
  opts: BossOptions = {},
): Promise<{ boss: PgBoss; rebuilt: boolean }> {
  const boss = createBoss(database, logger, opts);
  try {
    await boss.start();
    return { boss, rebuilt: false };
  } catch (err) {
    if (!(err instanceof Error && /Cannot migrate pg-boss schema from version/.test(err.message))) throw err;
    logger.warn(
      { reason: err.message },
      'the job queue schema is too old to migrate: recreating it and queueing pending syncs again',
    );
    await boss.stop({ graceful: false, close: false }).catch(() => {});
    await database.sql.exec(`drop schema ${BOSS_SCHEMA} cascade`);
    const fresh = createBoss(database, logger, opts);
    await fresh.start();
    return { boss: fresh, rebuilt: true };
  }
}
