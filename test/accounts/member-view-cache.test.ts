// The member view cache: reads within its age share one load, a change in this process is seen at once, and a
// transaction's changes are applied again once it has ended.
import { describe, expect, it } from 'vitest';
import { MemberViewCache, TransactionViews } from '../../src/accounts/member-view-cache.ts';

function counter() {
  let loads = 0;
  return {
    load: async () => ++loads,
    get loads() {
      return loads;
    },
  };
}

describe('member view cache', () => {
  it('answers from one load until the view is older than its age', async () => {
    let now = 0;
    const cache = new MemberViewCache(1000, () => now);
    const c = counter();
    expect(await cache.get(1, 'overview', c.load)).toBe(1);
    now = 999;
    expect(await cache.get(1, 'overview', c.load)).toBe(1);
    now = 1000;
    expect(await cache.get(1, 'overview', c.load)).toBe(2);
    expect(c.loads).toBe(2);
  });

  it('keeps members and kinds apart', async () => {
    const cache = new MemberViewCache(1000, () => 0);
    const c = counter();
    await cache.get(1, 'overview', c.load);
    await cache.get(2, 'overview', c.load);
    await cache.get(1, 'latestImport', c.load);
    expect(await cache.get(2, 'overview', c.load)).toBe(2);
    expect(c.loads).toBe(3);
  });

  it('loads again after a change to the member, and only to that member', async () => {
    const cache = new MemberViewCache(60_000, () => 0);
    const c = counter();
    await cache.get(1, 'overview', c.load);
    await cache.get(2, 'overview', c.load);
    cache.changed(1);
    expect(await cache.get(1, 'overview', c.load)).toBe(3);
    expect(await cache.get(2, 'overview', c.load)).toBe(2);
  });

  it('shares one load among concurrent reads, and does not keep a load that a change overtook', async () => {
    const cache = new MemberViewCache(60_000, () => 0);
    let release!: (v: string) => void;
    let loads = 0;
    const slow = () => {
      loads++;
      return new Promise<string>((r) => (release = r));
    };
    const a = cache.get(1, 'overview', slow);
    const b = cache.get(1, 'overview', slow);
    expect(loads).toBe(1);
    cache.changed(1); // written while the read was on its way: its answer may be old
    release('before the write');
    expect(await a).toBe('before the write');
    expect(await b).toBe('before the write');
    expect(await cache.get(1, 'overview', async () => 'after the write')).toBe('after the write');
  });

  it('does not keep a failed load', async () => {
    const cache = new MemberViewCache(60_000, () => 0);
    await expect(cache.get(1, 'overview', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get(1, 'overview', async () => 'up')).toBe('up');
  });

  it('with staleMs, answers with the expired view while its reload runs, then with the reload', async () => {
    let now = 0;
    const cache = new MemberViewCache(1000, () => now, 5000);
    let release!: (v: string) => void;
    let loads = 0;
    const slow = () => {
      loads++;
      return new Promise<string>((r) => (release = r));
    };
    const first = cache.get(1, 'overview', slow);
    release('first');
    expect(await first).toBe('first');
    now = 1500; // expired: the reload waits (behind a backfill's queries), the readers do not
    expect(await cache.get(1, 'overview', slow)).toBe('first');
    expect(await cache.get(1, 'overview', slow)).toBe('first');
    expect(loads).toBe(2); // one reload for both
    release('second');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get(1, 'overview', slow)).toBe('second');
    now = 8000; // the reload (loaded at 1500) is older than maxAge + staleMs: wait for a load again
    const third = cache.get(1, 'overview', slow);
    release('third');
    expect(await third).toBe('third');
  });

  it('with staleMs, never answers a change in this process with the old view', async () => {
    let now = 0;
    const cache = new MemberViewCache(1000, () => now, 5000);
    await cache.get(1, 'overview', async () => 'before');
    now = 1500;
    let release!: (v: string) => void;
    expect(await cache.get(1, 'overview', () => new Promise<string>((r) => (release = r)))).toBe('before');
    cache.changed(1); // written while the reload was on its way
    release('reloaded before the write');
    expect(await cache.get(1, 'overview', async () => 'after the write')).toBe('after the write');
  });

  it('with age 0 always loads', async () => {
    const cache = new MemberViewCache(0, () => 0);
    const c = counter();
    await cache.get(1, 'overview', c.load);
    expect(await cache.get(1, 'overview', c.load)).toBe(2);
  });

  it('inside a transaction reads its own rows and clears the shared view now and once it has ended', async () => {
    const shared = new MemberViewCache(60_000, () => 0);
    const c = counter();
    await shared.get(1, 'overview', c.load);
    const tx = new TransactionViews(shared);
    expect(await tx.get(1, 'overview', c.load)).toBe(2); // never the shared, committed view
    tx.changed(1);
    // Another request reads before the commit and caches the committed (old) rows...
    expect(await shared.get(1, 'overview', c.load)).toBe(3);
    tx.settle();
    // ...which the end of the transaction throws away.
    expect(await shared.get(1, 'overview', c.load)).toBe(4);
  });
});
