// Brings a database to the schema this version needs: our migrations, then pg-boss's schema and our queues.
// Used by the embedded template (pglite-template.ts) and the test templates; buildContext does the same on start.
import type { Database } from './database.ts';
import { runMigrations } from './migrate.ts';
import { startBoss } from '../jobs/boss.ts';
import { createQueues } from '../jobs/queues.ts';
import { createLogger } from '../logger.ts';

export async function prepareDatabase(database: Database): Promise<void> {
  await runMigrations(database);
  const { boss } = await startBoss(database, createLogger('silent'), { schedule: false, supervise: false });
  await createQueues(boss);
  await boss.stop({ graceful: false, close: false });
}
