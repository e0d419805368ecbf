// The queues oh-moves uses, created (or brought up to date) at start with their policies.
import type { PgBoss, Queue } from 'pg-boss';

export const QUEUES = {
  /** One sync per member at a time: stately + singletonKey = member id. */
  syncMember: 'sync-member',
  /** The scheduler pass (cron) that enqueues stale members. */
  schedulerPass: 'scheduler-pass',
} as const;

/**
 * A running job renews its heartbeat every HEARTBEAT_SECONDS / 2; maintenance hands back a job that missed it.
 * This is how a job whose process died (kill -9, a lost machine) is found within a minute in served mode.
 */
export const HEARTBEAT_SECONDS = 20;

export const QUEUE_DEFINITIONS: Queue[] = [
  {
    name: QUEUES.syncMember,
    policy: 'stately',
    // Retries after a defect or a lost worker: 5–10 s, then doubling. Upstream trouble is not retried here:
    // the job queues its own continuation with the app's backoff (src/sync/backoff.ts).
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 600,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    expireInSeconds: 60 * 60,
  },
  {
    name: QUEUES.schedulerPass,
    policy: 'singleton',
    retryLimit: 2,
    heartbeatSeconds: HEARTBEAT_SECONDS,
    expireInSeconds: 15 * 60,
  },
];

/** Creates missing queues; existing ones (an older release's) get today's options. A policy never changes. */
export async function createQueues(boss: PgBoss, extra: Queue[] = []): Promise<void> {
  for (const queue of [...QUEUE_DEFINITIONS, ...extra]) {
    if (!(await boss.getQueue(queue.name))) {
      await boss.createQueue(queue.name, queue);
      continue;
    }
    const { retryLimit, retryDelay, retryBackoff, retryDelayMax, heartbeatSeconds, expireInSeconds } = queue;
    const options = {
      retryLimit,
      retryDelay,
      retryBackoff,
      retryDelayMax,
      heartbeatSeconds,
      expireInSeconds,
    };
    // Only what this release sets: pg-boss refuses an option given as undefined.
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    if (Object.keys(defined).length) await boss.updateQueue(queue.name, defined);
  }
}
