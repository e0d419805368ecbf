// Moves notifications are signed over body + timestamp + nonce, but a signature alone does not stop a captured
// notification from being sent again. We accept one only while its timestamp is within a few minutes of our
// clock, and each signed message only once: the HMAC of what was signed (body + timestamp + nonce) is kept in the
// database (so every web process shares it) until the timestamp leaves the window, after which the timestamp
// check refuses the message anyway. Keyed on the HMAC, not on the header's text: a re-spelled signature of a
// message already seen is the same key.
import { lt } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { movesNotificationsSeen } from '../db/schema.ts';

/** How far a notification's timestamp may be from our clock, either way. */
export const NOTIFICATION_WINDOW_MS = 5 * 60_000;

export type NotificationVerdict = 'fresh' | 'stale' | 'replayed';

/** The timestamp (unix seconds, as sent in X-Moves-Timestamp) in ms, if it is within the window. Pure. */
export function freshTimestampMs(timestamp: string, now: number): number | undefined {
  if (!/^\d{1,12}$/.test(timestamp)) return undefined;
  const ms = Number(timestamp) * 1000;
  return Math.abs(now - ms) <= NOTIFICATION_WINDOW_MS ? ms : undefined;
}

/** Records a correctly signed notification; 'fresh' exactly once per signed message within the window. */
export async function admitNotification(
  ctx: AppContext,
  /** The verified HMAC of the signed bytes (webhook-signatures.ts). */
  signedDigest: Buffer,
  timestamp: string,
): Promise<NotificationVerdict> {
  const now = ctx.clock.now();
  const sentAt = freshTimestampMs(timestamp, now);
  if (sentAt === undefined) return 'stale';
  await ctx.db.delete(movesNotificationsSeen).where(lt(movesNotificationsSeen.expiresAt, new Date(now)));
  const inserted = await ctx.db
    .insert(movesNotificationsSeen)
    .values({
      signature: signedDigest.toString('base64'),
      expiresAt: new Date(sentAt + NOTIFICATION_WINDOW_MS),
    })
    .onConflictDoNothing()
    .returning({ signature: movesNotificationsSeen.signature });
  return inserted.length ? 'fresh' : 'replayed';
}
