// The checkpoint publish policy: when a sync may upload before it is finished, and the bound it guarantees on
// the bytes a backfill uploads (≤ 1.5 × the final file).
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_GROWTH,
  estimateFinalBytes,
  shouldPublishCheckpoint,
  type CheckpointTrigger,
} from '../../src/sync/publish-policy.ts';

/** A deterministic pseudo-random sequence (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Simulates a backfill: weeks of random sizes are stored one by one; at random moments the sync stops (short or
 * long wait) or checks for accumulated weeks, and asks the policy; at the end it publishes the final file.
 * The estimate of the final size is the policy's own extrapolation, capped at the true final size (the bound's
 * assumption), or exact. Returns the bytes uploaded and the final size.
 */
function simulate(seed: number, exactEstimate: boolean) {
  const rnd = random(seed);
  const totalWeeks = 1 + Math.floor(rnd() * 600);
  const sizes = Array.from({ length: totalWeeks }, () => Math.floor(1 + rnd() * 200_000));
  const final = sizes.reduce((a, b) => a + b, 0);
  let published: number | null = rnd() < 0.3 ? Math.floor(rnd() * final * 0.5) + 1 : null; // a legacy file
  const legacy = published;
  let uploaded = 0;
  let stored = 0;
  const triggers: CheckpointTrigger[] = ['short_wait', 'long_wait', 'accumulated'];
  for (let i = 0; i < totalWeeks; i++) {
    stored += sizes[i]!;
    if (rnd() < 0.2) {
      const trigger = triggers[Math.floor(rnd() * 3)]!;
      const estimate = exactEstimate
        ? final
        : Math.min(final, estimateFinalBytes({ storedBytes: stored, storedWeeks: i + 1, totalWeeks }));
      if (
        shouldPublishCheckpoint({
          trigger,
          storedBytes: stored,
          publishedBytes: published,
          estimatedFinalBytes: estimate,
        })
      ) {
        uploaded += stored;
        published = stored;
      }
    }
  }
  uploaded += final; // the final publish
  return { uploaded, final, legacy };
}

describe('checkpoint publish policy', () => {
  const base = { storedBytes: 10, publishedBytes: null, estimatedFinalBytes: 100 } as const;

  it('publishes at the first short stop only when nothing was ever published', () => {
    expect(shouldPublishCheckpoint({ ...base, trigger: 'short_wait' })).toBe(true);
    expect(shouldPublishCheckpoint({ ...base, trigger: 'short_wait', publishedBytes: 1 })).toBe(false);
    // A long wait or many new weeks: whenever the file has grown enough.
    expect(shouldPublishCheckpoint({ ...base, trigger: 'long_wait', publishedBytes: 3 })).toBe(true);
    expect(shouldPublishCheckpoint({ ...base, trigger: 'accumulated', publishedBytes: 3 })).toBe(true);
  });

  it('requires the file to have grown 3× since the last publish', () => {
    expect(shouldPublishCheckpoint({ ...base, trigger: 'long_wait', publishedBytes: 4 })).toBe(false);
    expect(shouldPublishCheckpoint({ ...base, trigger: 'accumulated', publishedBytes: 10 })).toBe(false);
    // Nothing changed since the last publish: never.
    expect(
      shouldPublishCheckpoint({
        trigger: 'long_wait',
        storedBytes: 10,
        publishedBytes: 10,
        estimatedFinalBytes: 10,
      }),
    ).toBe(false);
  });

  it('leaves the last third of a backfill to the final publish', () => {
    expect(shouldPublishCheckpoint({ ...base, trigger: 'short_wait', estimatedFinalBytes: 29 })).toBe(false);
    expect(shouldPublishCheckpoint({ ...base, trigger: 'short_wait', estimatedFinalBytes: 30 })).toBe(true);
    expect(shouldPublishCheckpoint({ ...base, trigger: 'short_wait', storedBytes: 0 })).toBe(false);
  });

  it('extrapolates the final size from the mean stored week, never below what is stored', () => {
    expect(estimateFinalBytes({ storedBytes: 1000, storedWeeks: 10, totalWeeks: 261 })).toBe(26_100);
    expect(estimateFinalBytes({ storedBytes: 1000, storedWeeks: 10, totalWeeks: 5 })).toBe(1000);
    expect(estimateFinalBytes({ storedBytes: 0, storedWeeks: 0, totalWeeks: 261 })).toBe(0);
  });

  it('bounds a backfill (checkpoints + final publish) to 1.5 × the final file, over 3000 random backfills', () => {
    let worst = 0;
    let withCheckpoints = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const { uploaded, final } = simulate(seed, seed % 2 === 0);
      worst = Math.max(worst, uploaded / final);
      if (uploaded > final) withCheckpoints++;
      expect(uploaded).toBeLessThanOrEqual(1.5 * final);
    }
    // The policy does publish early in many of them (the bound is not met by never checkpointing).
    expect(withCheckpoints).toBeGreaterThan(300);
    expect(worst).toBeGreaterThan(1.1);
  });

  it('the bound is the geometric series: checkpoints each 3× the last and ≤ final/3 sum to ≤ final/2', () => {
    // The tightest sequence the rule allows: F/3, F/9, F/27, … (uploaded largest last).
    const F = 3 ** 12;
    let sum = 0;
    for (let c = F / CHECKPOINT_GROWTH; c >= 1; c /= CHECKPOINT_GROWTH) sum += c;
    expect(sum).toBeLessThanOrEqual(F / 2);
    expect(sum + F).toBeLessThanOrEqual(1.5 * F);
  });
});
