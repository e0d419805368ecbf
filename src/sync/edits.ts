// Moves users edit past days. Days changed since the last sync are found with cheap summary queries
// (`updatedSince`, 31 days per call) over the stored complete weeks; their weeks are marked stale so the plan
// fetches them again — durably, even if this run stops before it gets to them.
import type { BudgetedMoves } from './budgeted-moves.ts';
import { addDays, datesOfWeek, weekOfDate } from '../moves/weeks.ts';

/** Moves' summary endpoint covers at most 31 days per call. */
export const EDIT_SCAN_DAYS = 31;
/** Clock skew allowance between our clock and Moves' lastUpdate stamps. */
export const EDIT_SCAN_SKEW_MS = 5 * 60_000;

/** The 31-day windows (from, to, inclusive yyyyMMdd) covering [first, last]. Pure. */
export function scanWindows(first: string, last: string): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (let from = first; from <= last; from = addDays(from, EDIT_SCAN_DAYS)) {
    const end = addDays(from, EDIT_SCAN_DAYS - 1);
    out.push({ from, to: end < last ? end : last });
  }
  return out;
}

/**
 * The complete stored weeks (sorted) with a day changed since `since`. Only the span of those weeks is scanned,
 * clipped to [firstDate, today]: partial weeks are fetched anyway.
 */
export async function findEditedWeeks(
  moves: BudgetedMoves,
  p: { completeWeeks: string[]; since: Date; firstDate: string; today: string },
): Promise<string[]> {
  if (p.completeWeeks.length === 0) return [];
  const weeks = new Set(p.completeWeeks);
  let first = datesOfWeek(p.completeWeeks[0]!)[0]!;
  let last = datesOfWeek(p.completeWeeks[p.completeWeeks.length - 1]!)[6]!;
  if (first < p.firstDate) first = p.firstDate;
  if (last > p.today) last = p.today;
  const since = new Date(p.since.getTime() - EDIT_SCAN_SKEW_MS);
  const edited = new Set<string>();
  for (const w of scanWindows(first, last)) {
    for (const date of await moves.changedDays({ from: w.from, to: w.to, updatedSince: since })) {
      const week = weekOfDate(date);
      if (weeks.has(week)) edited.add(week);
    }
  }
  return [...edited].sort();
}
