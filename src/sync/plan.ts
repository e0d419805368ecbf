// Which weeks a sync must fetch. Pure: the job gives it the profile, "now" and what is stored.
import { currentWeek, todayIn, weekOfDate, weekRange, weekSunday } from '../moves/weeks.ts';

export interface StoredWeekInfo {
  week: string;
  /** Fully in the past when fetched (and not marked stale by an edit since). */
  complete: boolean;
}

export interface PlanInput {
  /** profile.firstDate, yyyyMMdd */
  firstDate: string;
  /** The member's Moves time zone (IANA). */
  timeZone: string;
  now: Date;
  stored: StoredWeekInfo[];
}

export interface SyncPlan {
  /** Weeks to fetch, oldest first. */
  weeks: string[];
  /** Every week of the history (firstDate's week … current week). */
  allWeeks: string[];
  currentWeek: string;
}

/**
 * Every ISO week from firstDate's to the current one in the member's zone, minus complete stored weeks. A stored
 * week that was partial when fetched (the newest one, or one an edit marked stale) is fetched again. Weeks whose
 * stored copy says complete but which are not over yet (a zone change moved "today") are refetched too.
 */
export function planSync(input: PlanInput): SyncPlan {
  const current = currentWeek(input.timeZone, input.now);
  const today = todayIn(input.timeZone, input.now);
  const allWeeks = weekRange(weekOfDate(input.firstDate), current);
  // Complete = its Sunday is before today in the member's zone (the same rule as weekIsComplete, one "today").
  const done = new Set(
    input.stored.filter((s) => s.complete && weekSunday(s.week) < today).map((s) => s.week),
  );
  return { weeks: allWeeks.filter((w) => !done.has(w)), allWeeks, currentWeek: current };
}
