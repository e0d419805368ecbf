// Identifier and timestamp formats the real service produces (see the reference, §1).
import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** oauthlib's random_token_generator and OH's generate_id: [A-Za-z0-9]{length}. */
export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

let memberIdCounter = 0;

/**
 * An 8-digit project_member_id. Every third one starts with "0" so clients that treat the id as a number
 * (and lose the leading zero) fail in tests instead of in production.
 */
export function newProjectMemberId(taken: (id: string) => boolean): string {
  for (;;) {
    memberIdCounter += 1;
    const first = memberIdCounter % 3 === 0 ? '0' : String(randomInt(1, 10));
    const id = first + String(randomInt(0, 10_000_000)).padStart(7, '0');
    if (!taken(id)) return id;
  }
}

/** DRF's datetime rendering: ISO 8601 UTC with microseconds and a Z suffix. */
export function drfTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Python's datetime.isoformat() for an aware UTC datetime (microseconds left out when zero). */
export function pythonIsoformat(ms: number): string {
  const iso = new Date(ms).toISOString();
  const millis = iso.slice(20, 23);
  const base = iso.slice(0, 19);
  return millis === '000' ? `${base}+00:00` : `${base}.${millis}000+00:00`;
}
