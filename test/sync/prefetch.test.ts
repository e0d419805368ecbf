import { describe, expect, it } from 'vitest';
import { prefetchInOrder } from '../../src/sync/prefetch.ts';

/** Lets `turns` rounds of other promise work run first: a fetch that finishes later, without a timer. */
const tick = async (turns: number) => {
  for (let i = 0; i < turns; i++) await Promise.resolve();
};

describe('prefetchInOrder', () => {
  it('keeps at most `depth` requests in flight and yields in order', async () => {
    let active = 0;
    let peak = 0;
    const fetch = async (k: number) => {
      active++;
      peak = Math.max(peak, active);
      await tick(k % 2 ? 5 : 1); // later keys may finish first
      active--;
      return k * 10;
    };
    const out: number[] = [];
    for await (const { key, value } of prefetchInOrder([1, 2, 3, 4, 5, 6, 7], fetch, 3)) {
      expect(value).toBe(key * 10);
      out.push(key);
    }
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('after a failure starts nothing new, hands over what was already fetched, then throws', async () => {
    const started: number[] = [];
    const fetch = async (k: number) => {
      started.push(k);
      await tick(k === 2 ? 1 : 5);
      if (k === 2) throw new Error('budget spent');
      return k;
    };
    const got: number[] = [];
    await expect(async () => {
      for await (const { key } of prefetchInOrder([1, 2, 3, 4, 5, 6], fetch, 3)) got.push(key);
    }).rejects.toThrow('budget spent');
    expect(got).toEqual([1, 3, 4]);
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('waits for requests in flight when the consumer stops early', async () => {
    let finished = 0;
    const fetch = async (k: number) => {
      await tick(5);
      finished++;
      return k;
    };
    for await (const { key } of prefetchInOrder([1, 2, 3, 4], fetch, 3)) if (key === 1) break;
    // 1 was consumed; 2, 3 and 4 were in flight and had ended by the time the loop returned.
    expect(finished).toBe(4);
  });
});
