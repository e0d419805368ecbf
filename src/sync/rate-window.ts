// Rate-limit arithmetic (pure). Moves resets its quotas at the top of each minute and hour; with the time-scale
// contract a minute lasts 60000/S ms and windows are aligned to multiples of that since the epoch, so every
// process computes the same window edges from its own clock.

export type WindowKind = 'minute' | 'hour';

export interface RateLimits {
  minute: number;
  hour: number;
}

export interface Window {
  kind: WindowKind;
  start: number;
  /** The reset: the next window's start. */
  end: number;
  limit: number;
}

export function windowLength(kind: WindowKind, timeScale: number): number {
  return (kind === 'minute' ? 60_000 : 3_600_000) / timeScale;
}

export function windowAt(kind: WindowKind, now: number, timeScale: number, limit: number): Window {
  const len = windowLength(kind, timeScale);
  const start = Math.floor(now / len) * len;
  return { kind, start, end: start + len, limit };
}

/**
 * Safety margin at the end of a token's doubled first hour: our issuedAt is taken after Moves issued the token,
 * so Moves ends the boost a little earlier than we would think. 10% of the (scaled) hour.
 */
export const BOOST_END_MARGIN = 0.1;

/**
 * The limits that apply now. Moves doubles them for an hour after a token is issued. The doubling belongs to
 * the token, so it only applies when the budget is per user (one token per bucket). With a per-app budget many
 * tokens share one bucket and the app's base limit is what bounds the total, so we never double there.
 */
export function effectiveLimits(p: {
  base: RateLimits;
  scope: 'user' | 'app';
  tokenIssuedAt: Date | null;
  now: number;
  timeScale: number;
}): RateLimits & { boosted: boolean } {
  const hour = windowLength('hour', p.timeScale);
  const boosted =
    p.scope === 'user' &&
    p.tokenIssuedAt !== null &&
    p.now >= p.tokenIssuedAt.getTime() - hour * BOOST_END_MARGIN &&
    p.now < p.tokenIssuedAt.getTime() + hour * (1 - BOOST_END_MARGIN);
  const f = boosted ? 2 : 1;
  return { minute: p.base.minute * f, hour: p.base.hour * f, boosted };
}

/**
 * How many requests of a window we must count as used after Moves told us how many remain: if Moves has fewer
 * left than we think, we lower ours; we never raise it (other processes may have requests in flight).
 */
export function correctedUsed(ourUsed: number, ourLimit: number, remainingReported: number): number {
  return Math.max(ourUsed, ourLimit - remainingReported);
}

/**
 * A request sent in the last moments of a window may reach Moves in the next one and be counted there. Requests
 * this close to a reset wait for it (a fraction of a second), so both sides count them in the same window.
 */
export function boundaryGuardMs(timeScale: number): number {
  return Math.min(250, windowLength('minute', timeScale) * 0.02);
}
