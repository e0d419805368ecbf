// Storyline notifications (§6): a signed JSON POST to each authorised client's notification URL.
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

/** X-Moves-Signature: Base64(HMAC-SHA1(client_secret, body + timestamp + nonce)). */
export function signNotification(secret: string, body: string, timestamp: string, nonce: string): string {
  return createHmac('sha1', secret)
    .update(body + timestamp + nonce)
    .digest('base64');
}

export interface StorylineUpdate {
  reason: string;
  startTime: string;
  endTime: string;
  lastSegmentType: string;
  lastSegmentStartTime: string;
}

/** The payload with the user id as a bare (possibly > 2^53) integer. */
export function notificationBody(userId: string, updates: StorylineUpdate[]): string {
  return `{"userId":${userId},"storylineUpdates":${JSON.stringify(updates)}}`;
}

/** Fire and forget: 3 s timeout, no redirects, failures only logged (never thrown). */
export async function deliverNotification(
  url: string,
  secret: string,
  body: string,
  now: number,
  logger?: Logger,
): Promise<boolean> {
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomBytes(12).toString('hex');
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-moves-signature': signNotification(secret, body, timestamp, nonce),
        'x-moves-timestamp': timestamp,
        'x-moves-nonce': nonce,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(3000),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status !== 200) logger?.warn({ status: res.status }, 'moves notification not accepted');
    return res.status === 200;
  } catch (err) {
    logger?.warn({ err: (err as Error).message }, 'moves notification failed');
    return false;
  }
}
