// The queues oh-moves uses, created at start with their policies.
import type PgBoss from 'pg-boss';

export const QUEUES = {
  /** One sync per member at a time: stately + singletonKey = member id. */
  syncMember: 'sync-member',
  /** The scheduler pass (cron) that enqueues stale members. */
  schedulerPass: 'scheduler-pass',
} as const;

export const QUEUE_DEFINITIONS: PgBoss.Queue[] = [
  {
    name: QUEUES.syncMember,
    policy: 'stately',
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: 60 * 60,
  },
  { name: QUEUES.schedulerPass, policy: 'singleton', retryLimit: 2, expireInSeconds: 15 * 60 },
];

export async function createQueues(boss: PgBoss, extra: PgBoss.Queue[] = []): Promise<void> {
  for (const q of [...QUEUE_DEFINITIONS, ...extra]) {
    const existing = await boss.getQueue(q.name);
    if (!existing) await boss.createQueue(q.name, q);
  }
}
