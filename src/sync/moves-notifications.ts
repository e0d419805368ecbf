// A Moves notification's effect, in one call: admit it once (replay store), mark the weeks it names stale, and
// queue the member's sync. The route only translates HTTP to and from this.
import type { AppContext } from '../context.ts';
import { admitNotification } from '../moves/notification-replays.ts';
import { isValidZone } from '../moves/weeks.ts';
import { markNotifiedEdits, type StorylineUpdate } from './notified-edits.ts';

export interface MovesNotification {
  /** The verified HMAC of what Moves signed. */
  signedDigest: Buffer;
  /** X-Moves-Timestamp as sent. */
  timestamp: string;
  userId: string;
  storylineUpdates: StorylineUpdate[];
}

/** stale: outside the time window; replayed: handled already; ignored: no connected account; queued. */
export type NotificationOutcome = 'stale' | 'replayed' | 'ignored' | 'queued';

export async function receiveMovesNotification(
  ctx: AppContext,
  n: MovesNotification,
): Promise<NotificationOutcome> {
  // Admission and the stale marks commit together: a notification is either handled or free to come again.
  const outcome = await ctx.transaction(async (tx) => {
    const verdict = await admitNotification(tx, n.signedDigest, n.timestamp);
    if (verdict !== 'fresh') return { verdict } as const;
    const account = await tx.accounts.movesAccountByUserId(n.userId);
    if (!account || account.status !== 'connected') return { verdict: 'ignored' } as const;
    // The weeks it names are fetched again by the sync it queues, however old.
    if (account.timeZone && isValidZone(account.timeZone))
      await markNotifiedEdits(tx, account.memberId, account.timeZone, n.storylineUpdates);
    return { verdict: 'queued', memberId: account.memberId } as const;
  });
  // pg-boss writes through its own connection, so the job is queued once the marks are committed.
  if (outcome.verdict === 'queued') await ctx.queue.enqueueSync(outcome.memberId, 'notification');
  return outcome.verdict;
}
