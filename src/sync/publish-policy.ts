// When a sync uploads the file before it is finished (a checkpoint). Pure.
//
// Every publish uploads the WHOLE file, so checkpoints during a backfill cost bytes: with one every 52 weeks
// a 5-year backfill uploaded about 4 × its final size. The rule below keeps a member's data visible early and
// bounds what a backfill uploads to 1.5 × the final file:
//
//   A checkpoint of s bytes is allowed only when
//     (1) s ≥ 3 × the file currently on Open Humans (or there is none): checkpoints grow geometrically, and
//     (2) s ≤ (estimated final size) / 3: the final upload is still at least three times bigger.
//   Then the checkpoints c1 < c2 < … < ck satisfy c(i) ≤ ck / 3^(k−i), so their sum ≤ ck · (1 + 1/3 + 1/9 + …)
//   = 1.5 · ck ≤ 1.5 · F / 3 = F / 2, and the whole backfill uploads ≤ F / 2 + F = 1.5 · F (F = final size).
//   The bound holds whenever the estimate does not exceed the real final size (test/sync/publish-policy.test.ts).
//
// On top of that, when the checkpoint would happen:
//   - a stop for the minute window (a short wait): only if nothing was ever published — the member's first data
//     becomes visible at the first stop, and later minute stops cost no upload time that could delay the resume;
//   - a stop for the hour window (a long wait: the upload fits in the wait) and a run that has fetched many new
//     weeks without any stop: whenever (1) and (2) allow it.

/**
 * short_wait: the budget stopped for the minute window; long_wait: for the hour window, or a failure backoff
 * (minutes at least); accumulated: many new weeks stored in a run that has not stopped.
 */
export type CheckpointTrigger = 'short_wait' | 'long_wait' | 'accumulated';

export interface CheckpointInput {
  trigger: CheckpointTrigger;
  /** Bytes a publish now would upload (the stored weeks' size). */
  storedBytes: number;
  /** Size of the member's current file on Open Humans; null when none is known. */
  publishedBytes: number | null;
  /** What the file will weigh when this sync is done (see estimateFinalBytes). */
  estimatedFinalBytes: number;
}

/** Each checkpoint is at least this many times the previous file, and at most 1/this of the final one. */
export const CHECKPOINT_GROWTH = 3;

/** A run without stops considers an 'accumulated' checkpoint after this many newly stored weeks. */
export const ACCUMULATED_CHECK_WEEKS = 52;

export function shouldPublishCheckpoint(p: CheckpointInput): boolean {
  if (p.storedBytes <= 0) return false;
  const grows = p.publishedBytes === null || p.storedBytes >= CHECKPOINT_GROWTH * p.publishedBytes;
  const finalDominates = p.storedBytes * CHECKPOINT_GROWTH <= p.estimatedFinalBytes;
  if (!grows || !finalDominates) return false;
  if (p.trigger === 'short_wait') return p.publishedBytes === null;
  return true;
}

/**
 * The final size, extrapolated from the weeks stored so far: their mean size times every week of the history.
 * Never less than what is stored.
 */
export function estimateFinalBytes(p: {
  storedBytes: number;
  storedWeeks: number;
  totalWeeks: number;
}): number {
  if (p.storedWeeks <= 0) return p.storedBytes;
  return Math.max(p.storedBytes, Math.round((p.storedBytes / p.storedWeeks) * p.totalWeeks));
}
