// OAuth round-trip checks: `state` binds a callback to the browser session that started it, PKCE (S256)
// binds the Open Humans code to our verifier. Pure apart from the random values.
import crypto from 'node:crypto';
import * as oauth from 'oauth4webapi';

export async function newPkceLogin(): Promise<{ state: string; verifier: string; challenge: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  return {
    state: oauth.generateRandomState(),
    verifier,
    challenge: await oauth.calculatePKCECodeChallenge(verifier),
  };
}

export function newState(): string {
  return oauth.generateRandomState();
}

export function sameState(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Why a callback cannot be accepted, before any upstream call. */
export type CallbackProblem = 'denied' | 'upstream_error' | 'no_session' | 'state_mismatch' | 'missing_code';

export interface CallbackQuery {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
}

/**
 * Decides what a callback is: the member said no, the provider reported an error, this browser never started
 * the round trip (or it expired), the state does not match (forged or stale), or a code to exchange.
 */
export function checkCallback(
  q: CallbackQuery,
  pending: { state: string; startedAt: number } | undefined,
  now: number,
  maxAgeMs: number,
): { ok: true; code: string } | { ok: false; problem: CallbackProblem } {
  if (q.error === 'access_denied') return { ok: false, problem: 'denied' };
  if (q.error) return { ok: false, problem: 'upstream_error' };
  if (!pending || now - pending.startedAt > maxAgeMs) return { ok: false, problem: 'no_session' };
  if (!q.state || !sameState(pending.state, q.state)) return { ok: false, problem: 'state_mismatch' };
  if (!q.code) return { ok: false, problem: 'missing_code' };
  return { ok: true, code: q.code };
}
