// Jobs whose process died. In served mode pg-boss finds them by their missed heartbeats (queues.ts). On the
// embedded store the directory lock proves that no other process runs, so at start every job still `active`
// belongs to a process that died: each is handed back at once instead of waiting for its heartbeat to lapse.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { SqlExecutor } from '../db/database.ts';
import { BOSS_SCHEMA } from './boss.ts';
import { QUEUE_DEFINITIONS } from './queues.ts';

/** Hands every active job back to its queue, to run now. Only while no other process can be running jobs. */
export async function handBackDeadJobs(boss: PgBoss, sql: SqlExecutor, logger: Logger): Promise<number> {
  const names = QUEUE_DEFINITIONS.map((q) => q.name);
  const { rows } = await sql.query<{ name: string; id: string }>(
    `select name, id::text as id from ${BOSS_SCHEMA}.job where state = 'active' and name = any($1)`,
    [names],
  );
  for (const { name, id } of rows) {
    // fail() counts the lost run as a retry (or fails the job once its retries are spent) ...
    await boss.fail(name, id, { message: 'the process running this job stopped' });
    // ... and the retry runs now, not after the queue's retry delay.
    await boss.update(name, undefined, { id, startAfter: new Date() }).catch(() => {});
  }
  if (rows.length) logger.warn({ jobs: rows.length }, 'handed back jobs left running by a process that died');
  return rows.length;
}
