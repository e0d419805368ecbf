// Capped exponential backoff with full jitter, for upstream failures that may pass (5xx, timeouts, bad bodies).

/** Quick retries inside one job before handing the member back to the queue. */
export const QUICK_RETRIES = 2;
/** Runs in a row that failed without progress before the job gives up until the scheduler's next pass. */
export const MAX_FAILED_RUNS = 6;

/**
 * The failed-run count after a run that failed: a run that stored weeks (or uploaded) made progress, so the
 * count, and with it the wait, starts over; only runs that got nothing done add up towards giving up.
 */
export function failedRunsAfter(previous: number, madeProgress: boolean): number {
  return madeProgress ? 1 : previous + 1;
}

/** Delay before quick retry `attempt` (0-based), in ms: 0.5 s, 1 s … capped at 5 s, jittered. */
export function quickRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(5_000, 500 * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Delay before the next run after `failedRuns` failed runs in a row: 1 min, 2 min … capped at 1 h, jittered. */
export function requeueDelayMs(failedRuns: number, random: () => number = Math.random): number {
  const cap = Math.min(3_600_000, 60_000 * 2 ** Math.max(0, failedRuns - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
