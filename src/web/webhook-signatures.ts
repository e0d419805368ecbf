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

/**
 * The bytes of a canonical base64 text (standard alphabet, exact padding, no spaces, unused bits zero), or
 * undefined. Node's decoder is lenient (it skips spaces and stray characters, accepts the URL-safe alphabet and
 * missing padding), so many texts decode to the same bytes: only the one text that re-encodes to itself counts.
 */
export function strictBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * Moves: `X-Moves-Signature: base64(HMAC-SHA1(client_secret, body + timestamp + nonce))`. Returns the HMAC of
 * what was signed when the signature is that HMAC in canonical base64, else undefined. The HMAC identifies the
 * signed bytes, so it is what the replay store keys on, however the header was spelled.
 */
export function verifiedMovesSignature(
  secret: string,
  rawBody: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  nonce: string | undefined,
): Buffer | undefined {
  if (!secret || !signature || timestamp === undefined || nonce === undefined) return undefined;
  const given = strictBase64(signature);
  if (!given || given.length !== 20) return undefined;
  const expected = crypto
    .createHmac('sha1', secret)
    .update(Buffer.concat([rawBody, Buffer.from(timestamp, 'utf8'), Buffer.from(nonce, 'utf8')]))
    .digest();
  return equalBytes(expected, given) ? expected : undefined;
}
