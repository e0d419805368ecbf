// The rolling deep scan: how routine updates find edits to old days without re-reading the whole history.
// Moves users could edit any past day. Notifications name the edited span at once (webhooks → markWeeksStale);
// the deep scan is the safety net for a notification that never came: each routine update spends one request on
// one 31-day `updatedSince` summary window, walking from the newest day to firstDate, then starts over. Every day
// of a history of D days is therefore re-checked within ceil(D / 31) + 1 routine updates (the +1: the update that
// wraps spends its request on the profile instead, which keeps the cached time zone current).
// Pure: the sync job gives it the stored state and "today"; it says what to ask Moves and what to store next.
import { addDays } from '../moves/weeks.ts';
import { EDIT_SCAN_DAYS, EDIT_SCAN_SKEW_MS } from './edits.ts';

export interface DeepScanState {
  /** yyyyMMdd: the newest day of the next window; null: start at today. */
  cursor: string | null;
  /** Edits after this instant are looked for in the current cycle (the previous cycle's start). */
  since: Date | null;
  /** When the current cycle began: the next cycle's `since`. */
  cycleStartedAt: Date | null;
}

export type DeepScanStep =
  | { kind: 'window'; from: string; to: string; updatedSince: Date; next: DeepScanState }
  | { kind: 'profile'; next: DeepScanState };

/**
 * The next step for a member whose history starts at `firstDate`. `historySyncedSince` is when the stored
 * history was first complete (the first sync's start, or the creation time of a seeded file): the first cycle
 * looks for edits made after it.
 */
export function nextDeepScanStep(
  state: DeepScanState,
  p: { firstDate: string; today: string; now: Date; historySyncedSince: Date },
): DeepScanStep {
  const cursor = state.cursor ?? p.today;
  if (cursor < p.firstDate || state.since === null) {
    // A cycle ends (or the first one begins): this update refreshes the profile, the next one starts at its today.
    const since = state.cycleStartedAt ?? p.historySyncedSince;
    return { kind: 'profile', next: { cursor: null, since, cycleStartedAt: p.now } };
  }
  const to = cursor > p.today ? p.today : cursor;
  const start = addDays(to, 1 - EDIT_SCAN_DAYS);
  const from = start < p.firstDate ? p.firstDate : start;
  return {
    kind: 'window',
    from,
    to,
    updatedSince: new Date(state.since.getTime() - EDIT_SCAN_SKEW_MS),
    next: { ...state, cursor: addDays(from, -1) },
  };
}

/** Routine updates for one full cycle over a history of `days` days: the worst-case edit detection, in updates. */
export function deepScanCycleUpdates(days: number): number {
  return Math.ceil(days / EDIT_SCAN_DAYS) + 1;
}

/** The state as the sync_state row stores it (absent for a member who never synced). */
export function deepScanStateOf(
  row: {
    deepScanCursor: string | null;
    deepScanSince: Date | null;
    deepScanCycleStartedAt: Date | null;
  } | null,
): DeepScanState {
  return {
    cursor: row?.deepScanCursor ?? null,
    since: row?.deepScanSince ?? null,
    cycleStartedAt: row?.deepScanCycleStartedAt ?? null,
  };
}
