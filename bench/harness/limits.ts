// The physical limits of the Moves rate limits, computed the way the emulator enforces them: fixed minute and
// hour windows aligned to multiples of 60000/S and 3600000/S ms of the clock since the epoch, and doubled
// limits while the token is younger than one (scaled) hour. Pure: the benchmark figures divide by these.

export interface RateLimitModel {
  minuteLimit: number;
  hourLimit: number;
  timeScale: number;
  /** When the token was issued (ms, emulator clock); null: never doubled (e.g. a per-app budget). */
  tokenIssuedAt: number | null;
  /** How long new tokens get doubled limits, in emulated ms (Moves: one hour). */
  boostMs?: number;
}

interface WindowState {
  minuteWindow: number;
  minuteUsed: number;
  hourWindow: number;
  hourUsed: number;
}

function limitsAt(m: RateLimitModel, t: number): { minute: number; hour: number } {
  const boostReal = (m.boostMs ?? 3_600_000) / m.timeScale;
  const boosted = m.tokenIssuedAt !== null && t - m.tokenIssuedAt < boostReal && t >= m.tokenIssuedAt;
  const f = boosted ? 2 : 1;
  return { minute: m.minuteLimit * f, hour: m.hourLimit * f };
}

/**
 * A sender with infinite demand and zero service time, sending everything the windows allow as early as they
 * allow it (greedy is optimal for fixed windows: a request sent earlier never costs a later one anything).
 * Calls `onSend(t, k)` for each batch of k requests sent at clock time t; stops when `onSend` returns false
 * or the clock passes `until`.
 */
function greedy(
  m: RateLimitModel,
  start: number,
  until: number,
  onSend: (t: number, k: number) => boolean,
): void {
  const minuteLen = 60_000 / m.timeScale;
  const hourLen = 3_600_000 / m.timeScale;
  const s: WindowState = { minuteWindow: NaN, minuteUsed: 0, hourWindow: NaN, hourUsed: 0 };
  let t = start;
  for (let guard = 0; guard < 10_000_000 && t <= until; guard++) {
    const mw = Math.floor(t / minuteLen);
    const hw = Math.floor(t / hourLen);
    if (mw !== s.minuteWindow) [s.minuteWindow, s.minuteUsed] = [mw, 0];
    if (hw !== s.hourWindow) [s.hourWindow, s.hourUsed] = [hw, 0];
    const lim = limitsAt(m, t);
    const k = Math.max(0, Math.min(lim.minute - s.minuteUsed, lim.hour - s.hourUsed));
    if (k > 0) {
      s.minuteUsed += k;
      s.hourUsed += k;
      if (!onSend(t, k)) return;
    }
    // Blocked until the next minute window, or the next hour window when the hour quota is what is out.
    t = s.hourUsed >= lim.hour ? (hw + 1) * hourLen : (mw + 1) * minuteLen;
  }
}

/**
 * The least clock time (real ms, from `start`) in which `requests` requests can all be sent under the limits:
 * the moment the window holding the last one opens. Zero when they all fit in the first window.
 */
export function minimumTimeMs(m: RateLimitModel, requests: number, start: number): number {
  if (requests <= 0) return 0;
  let left = requests;
  let end = start;
  greedy(m, start, Infinity, (t, k) => {
    left -= k;
    end = t;
    return left > 0;
  });
  return end - start;
}

/** How many requests the limits allow between `start` and `end` (clock ms), for a sender that never waits. */
export function allowedRequests(m: RateLimitModel, start: number, end: number): number {
  let total = 0;
  greedy(m, start, end, (_t, k) => {
    total += k;
    return true;
  });
  return total;
}

/**
 * Closed form of the minimum, in emulated minutes, for N requests starting at a minute boundary with a fresh
 * token (for the documentation and as a cross-check of the simulation): with the doubled limits for the
 * first hour the sender gets B = min(2·minute·60, 2·hour) requests in the first hour, then minute/hour after.
 * Ignores where the hour windows fall, which the simulation takes into account.
 */
export function minimumMinutesClosedForm(n: number, minuteLimit: number, hourLimit: number): number {
  const boostedPerMinute = 2 * minuteLimit;
  const firstHour = Math.min(boostedPerMinute * 60, 2 * hourLimit);
  if (n <= firstHour) return Math.ceil(n / boostedPerMinute) - 1;
  const rest = n - firstHour;
  const fullHours = Math.floor((rest - 1) / hourLimit);
  const lastHour = rest - fullHours * hourLimit;
  return 60 + fullHours * 60 + Math.ceil(lastHour / minuteLimit) - 1;
}
