// The suite's one way to wait: poll for a state instead of sleeping a fixed time.

export interface UntilOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** How often to ask (default 50 ms). */
  intervalMs?: number;
}

/**
 * Resolves once `check` answers true, with the milliseconds it took; throws an error naming `what` when the
 * timeout passes first.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  opts: UntilOptions = {},
): Promise<number> {
  const { timeoutMs = 30_000, intervalMs = 50 } = opts;
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return Date.now() - start;
}
