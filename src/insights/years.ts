// The years pages' numbers, from the day totals: totals per activity group and year or month, the days with
// data, the busiest days and the longest moves.
import type { GroupTotals, MoveSummary } from './day-summary.ts';
import type { DayTotals } from './service.ts';

export interface Totals extends GroupTotals {
  /** Days with data. */
  days: number;
}

export interface PeriodTotals {
  /** Every activity group, by distance (largest first). */
  groups: { group: string; totals: GroupTotals }[];
  all: Totals;
}

export interface YearSummary extends PeriodTotals {
  year: number;
  countries: string[];
}

export interface YearDetail extends YearSummary {
  /** Twelve months, January first. */
  months: PeriodTotals[];
  /** The days with most steps (then distance). */
  busiest: { date: string; steps: number; distance: number }[];
  longest: (MoveSummary & { date: string })[];
}

const zero = (): GroupTotals => ({ distance: 0, duration: 0, steps: 0, calories: 0 });

function addTo(t: GroupTotals, g: GroupTotals): void {
  t.distance += g.distance;
  t.duration += g.duration;
  t.steps += g.steps;
  t.calories += g.calories;
}

/** The days' totals per group and overall. */
export function periodTotals(days: DayTotals[]): PeriodTotals {
  const groups = new Map<string, GroupTotals>();
  const all: Totals = { ...zero(), days: 0 };
  for (const d of days) {
    if (d.hasData) all.days++;
    for (const [name, g] of Object.entries(d.groups)) {
      let t = groups.get(name);
      if (!t) groups.set(name, (t = zero()));
      addTo(t, g);
      addTo(all, g);
    }
  }
  const sorted = [...groups].sort((a, b) => b[1].distance - a[1].distance || a[0].localeCompare(b[0]));
  return { groups: sorted.map(([group, totals]) => ({ group, totals })), all };
}

const yearOf = (date: string) => Number(date.slice(0, 4));

function countries(days: DayTotals[]): string[] {
  return [...new Set(days.flatMap((d) => d.countries))].sort();
}

/**
 * The year summaries of each day list summed so far: the insights service hands out the same list while the
 * member's rows are unchanged, so a page is summed once per change, not once per request.
 */
const summed = new WeakMap<DayTotals[], YearSummary[]>();

/** One summary per year with days stored, newest first (shared: callers must not change it). */
export function yearSummaries(days: DayTotals[]): YearSummary[] {
  let years = summed.get(days);
  if (!years) summed.set(days, (years = sumYears(days)));
  return years;
}

function sumYears(days: DayTotals[]): YearSummary[] {
  const byYear = new Map<number, DayTotals[]>();
  for (const d of days) {
    const y = yearOf(d.date);
    let list = byYear.get(y);
    if (!list) byYear.set(y, (list = []));
    list.push(d);
  }
  return [...byYear]
    .sort((a, b) => b[0] - a[0])
    .map(([year, ds]) => ({ year, ...periodTotals(ds), countries: countries(ds) }));
}

const TOP = 10;

function dayDistance(d: DayTotals): number {
  return Object.values(d.groups).reduce((n, g) => n + g.distance, 0);
}

/** A year's totals, its months and its top days and moves; undefined when no day of it is stored. */
export function yearDetail(days: DayTotals[], year: number): YearDetail | undefined {
  const inYear = days.filter((d) => yearOf(d.date) === year);
  if (inYear.length === 0) return undefined;
  const months = Array.from({ length: 12 }, (_, m) =>
    periodTotals(inYear.filter((d) => Number(d.date.slice(4, 6)) === m + 1)),
  );
  const busiest = inYear
    .map((d) => ({
      date: d.date,
      steps: Object.values(d.groups).reduce((n, g) => n + g.steps, 0),
      distance: dayDistance(d),
    }))
    .filter((d) => d.steps > 0 || d.distance > 0)
    .sort((a, b) => b.steps - a.steps || b.distance - a.distance)
    .slice(0, TOP);
  const longest = inYear
    .flatMap((d) => d.moves.map((m) => ({ ...m, date: d.date })))
    .sort((a, b) => b.distance - a.distance)
    .slice(0, TOP);
  return { year, ...periodTotals(inYear), countries: countries(inYear), months, busiest, longest };
}
