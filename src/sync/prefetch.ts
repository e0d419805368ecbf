// Fetching weeks ahead of storing them: while one week is stored, the next requests are already on their way,
// so a job that the rate limits do not bind is bound by the slower of Moves and the database, not by their sum.
// Results come back in order. After a failure no new request starts; the requests already sent finish and their
// weeks are still handed over (their budget is spent either way), then the failure is thrown.

/** How many week requests one job keeps in flight. */
export const PREFETCH_DEPTH = 3;

export async function* prefetchInOrder<K, V>(
  keys: readonly K[],
  fetch: (key: K) => Promise<V>,
  depth = PREFETCH_DEPTH,
): AsyncGenerator<{ key: K; value: V }> {
  type Settled = { ok: true; value: V } | { ok: false; error: unknown };
  const settle = (key: K): Promise<Settled> =>
    fetch(key).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  const inFlight: { key: K; result: Promise<Settled> }[] = [];
  let next = 0;
  let failure: { error: unknown } | undefined;
  const fill = () => {
    while (!failure && next < keys.length && inFlight.length < depth) {
      const key = keys[next++]!;
      inFlight.push({ key, result: settle(key) });
    }
  };
  try {
    fill();
    while (inFlight.length) {
      const head = inFlight.shift()!;
      const r = await head.result;
      if (r.ok) {
        fill();
        yield { key: head.key, value: r.value };
      } else failure ??= { error: r.error };
    }
    if (failure) throw failure.error;
  } finally {
    // Stopped early by the consumer: let the requests already sent end before the job moves on.
    await Promise.all(inFlight.map((f) => f.result));
  }
}
