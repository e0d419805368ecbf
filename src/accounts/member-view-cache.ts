// A short-lived cache of what the dashboard reads about one member (its overview, its latest archive import).
// Every open dashboard polls every 2 s and a member may have several open, so the same few rows were read
// hundreds of times a second under load; on embedded PGlite each read costs the web thread about 1 ms.
//
// Freshness: every service that writes a member's rows calls `changed(memberId)`, so a write in this process
// is seen by the next read. Writes by another process (served mode: the workers) are seen within `maxAgeMs`.
// Concurrent misses for one member share one load. Ages are measured on the monotonic clock, not ctx.clock,
// which tests and benchmarks move.
//
// With `staleMs`, a view that has just expired is still the answer while its reload runs: on the embedded store a
// reload waits its turn behind a backfill's queries, and every request for the member would wait with it. Such a
// view is at most `maxAgeMs` plus one reload old; a change in this process is never answered with a stale view.

interface Entry {
  value: Promise<unknown>;
  loadedAt: number;
  /** The load succeeded: the view may stand in for its own reload. */
  settled?: boolean;
  reloading?: boolean;
}

export class MemberViewCache {
  readonly maxAgeMs: number;
  readonly staleMs: number;
  /** Member id → view kind → entry. */
  readonly #members = new Map<number, Map<string, Entry>>();
  readonly #now: () => number;

  constructor(maxAgeMs: number, now: () => number = () => performance.now(), staleMs = 0) {
    this.maxAgeMs = maxAgeMs;
    this.#now = now;
    this.staleMs = staleMs;
  }

  /** The cached `kind` view of the member, or a fresh load of it. */
  get<T>(memberId: number, kind: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const views = this.#members.get(memberId);
    const hit = views?.get(kind);
    if (hit && now - hit.loadedAt < this.maxAgeMs) return hit.value as Promise<T>;
    if (hit?.settled && now - hit.loadedAt < this.maxAgeMs + this.staleMs) {
      if (!hit.reloading) this.#reload(memberId, kind, hit, load, now);
      return hit.value as Promise<T>;
    }
    const value = load();
    if (this.maxAgeMs <= 0) return value;
    const entry: Entry = { value, loadedAt: now };
    if (views) views.set(kind, entry);
    else {
      if (this.#members.size >= 10_000) this.#dropExpired(now);
      this.#members.set(memberId, new Map([[kind, entry]]));
    }
    // A failed load is not kept: the next read tries again.
    value.then(
      () => (entry.settled = true),
      () => {
        if (this.#members.get(memberId)?.get(kind) === entry) this.#members.get(memberId)?.delete(kind);
      },
    );
    return value;
  }

  /** Replaces `stale` with a fresh load once that has succeeded, unless a change dropped it meanwhile. */
  #reload(memberId: number, kind: string, stale: Entry, load: () => Promise<unknown>, now: number): void {
    stale.reloading = true;
    load().then(
      (result) => {
        const views = this.#members.get(memberId);
        if (views?.get(kind) === stale)
          views.set(kind, { value: Promise.resolve(result), loadedAt: now, settled: true });
      },
      () => (stale.reloading = false),
    );
  }

  /** Something about the member was written: the next read loads it again. */
  changed(memberId: number): void {
    this.#members.delete(memberId);
  }

  #dropExpired(now: number): void {
    for (const [id, views] of this.#members) {
      for (const [kind, e] of views) if (now - e.loadedAt >= this.maxAgeMs) views.delete(kind);
      if (views.size === 0) this.#members.delete(id);
    }
  }
}

/**
 * The cache as a transaction's services see it: a change is applied at once and again after the transaction
 * ends, so a read that ran between the write and the commit (and cached the old rows) is not kept either.
 */
export class TransactionViews extends MemberViewCache {
  readonly #parent: MemberViewCache;
  readonly #touched = new Set<number>();

  constructor(parent: MemberViewCache) {
    super(0);
    this.#parent = parent;
  }

  override get<T>(memberId: number, kind: string, load: () => Promise<T>): Promise<T> {
    // Inside the transaction, its own uncommitted rows must be read, never the shared cache's.
    return load();
  }

  override changed(memberId: number): void {
    this.#touched.add(memberId);
    this.#parent.changed(memberId);
  }

  /** After commit or rollback. */
  settle(): void {
    for (const id of this.#touched) this.#parent.changed(id);
  }
}
