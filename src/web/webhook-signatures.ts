// Signature checks for incoming webhooks, in constant time over the raw body bytes. Pure.
import crypto from 'node:crypto';

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Open Humans: `X-OpenHumans-Webhooks-Signature: sha1=<hex HMAC-SHA1(secret, raw body)>`. */
export function validOpenHumansSignature(
  secret: string,
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const m = /^sha1=([0-9a-fA-F]{40})$/.exec(header.trim());
  if (!m) return false;
  const expected = crypto.createHmac('sha1', secret).update(rawBody).digest();
  return equalBytes(expected, Buffer.from(m[1]!.toLowerCase(), 'hex'));
}

/** Moves: `X-Moves-Signature: base64(HMAC-SHA1(client_secret, body + timestamp + nonce))`. */
export function validMovesSignature(
  secret: string,
  rawBody: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  nonce: string | undefined,
): boolean {
  if (!signature || timestamp === undefined || nonce === undefined) return false;
  const given = Buffer.from(signature.trim(), 'base64');
  if (given.length !== 20) return false;
  const expected = crypto
    .createHmac('sha1', secret)
    .update(Buffer.concat([rawBody, Buffer.from(timestamp, 'utf8'), Buffer.from(nonce, 'utf8')]))
    .digest();
  return equalBytes(expected, given);
}
