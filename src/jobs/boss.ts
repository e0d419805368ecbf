// pg-boss on either store. On PGlite pg-boss talks through a small adapter to the one in-process instance.
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database, SqlExecutor } from '../db/database.ts';

export const BOSS_SCHEMA = 'pgboss';

/** pg-boss's `db` contract: parameterised calls go to query(), parameterless (multi-statement) SQL to exec(). */
export function bossDbAdapter(sql: SqlExecutor): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values && values.length > 0) return sql.query(text, values);
      return sql.exec(text);
    },
  };
}

export interface BossOptions {
  /** Run cron schedules in this process (the scheduler role). */
  schedule?: boolean;
  /** Run maintenance (expiry, archiving) in this process. */
  supervise?: boolean;
  pollingIntervalSeconds?: number;
}

export function createBoss(database: Database, logger: Logger, opts: BossOptions = {}): PgBoss {
  const common = {
    schema: BOSS_SCHEMA,
    schedule: opts.schedule ?? true,
    supervise: opts.supervise ?? true,
    migrate: true,
    pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1,
  };
  // pg-boss shares our connection(s): PGlite has exactly one, and on a server one pool is easier to bound.
  const boss = new PgBoss({ ...common, db: bossDbAdapter(database.sql) });
  boss.on('error', (err: Error) => logger.error({ err }, 'job queue error'));
  return boss;
}
