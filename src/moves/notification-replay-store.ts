// The owner of `moves_notifications_seen` on the context (`ctx.notificationReplays`): the replay check of
// notification-replays.ts, bound to a context or transaction.
import type { AppContext } from '../context.ts';
import { admitNotification } from './notification-replays.ts';

type WithoutContext<F> = F extends (ctx: AppContext, ...args: infer A) => infer R ? (...args: A) => R : never;

export interface NotificationReplays {
  /** Records a correctly signed notification: 'fresh' exactly once within the window (admitNotification). */
  admit: WithoutContext<typeof admitNotification>;
}

export function createNotificationReplays(ctx: AppContext): NotificationReplays {
  return { admit: (...args) => admitNotification(ctx, ...args) };
}
