// Days away and journeys: a day is away when any place or track point of it lies more than AWAY_METRES from
// home, the place typed `home` where the member spent most time. Consecutive days away make one journey.
import { metresBetween } from './grid.ts';
import { SPOT_DEGREES, type MoveSummary, type Position } from './day-summary.ts';
import type { Place } from './places.ts';
import type { DayTotals, DayVisits } from './service.ts';

export const AWAY_METRES = 50_000;

export interface Journey {
  /** yyyyMMdd of the first and last day away. */
  from: string;
  to: string;
  days: number;
  /** The named places visited on the way, in the order first seen. */
  places: { key: string; name: string }[];
  countries: string[];
}

export interface Flight extends MoveSummary {
  date: string;
}

/** The home place: typed `home`, most time spent. `places` come sorted by time spent. */
export function homeOf(places: Place[]): Place | undefined {
  return places.find((p) => p.type === 'home');
}

function farFrom(home: Position, d: DayVisits): boolean {
  if (d.visits.some((v) => metresBetween(home, v) > AWAY_METRES)) return true;
  return d.spots.some(
    ([la, lo]) =>
      metresBetween(home, { lat: (la + 0.5) * SPOT_DEGREES, lon: (lo + 0.5) * SPOT_DEGREES }) > AWAY_METRES,
  );
}

const dayMs = (date: string) => Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8));
const nextDay = (a: string, b: string) => dayMs(b) - dayMs(a) === 86_400_000;

/** The journeys, newest first. `countriesOf` gives a day's countries (from the day totals). */
export function journeysOf(days: DayVisits[], home: Position, countriesOf: Map<string, string[]>): Journey[] {
  type Open = Journey & { seen: Set<string>; codes: Set<string> };
  const journeys: Open[] = [];
  let current: Open | undefined;
  for (const d of days) {
    if (!farFrom(home, d)) continue;
    if (!current || !nextDay(current.to, d.date)) {
      current = {
        from: d.date,
        to: d.date,
        days: 0,
        places: [],
        countries: [],
        seen: new Set(),
        codes: new Set(),
      };
      journeys.push(current);
    }
    current.to = d.date;
    current.days++;
    for (const v of d.visits)
      if (v.name && !current.seen.has(v.key) && metresBetween(home, v) > AWAY_METRES) {
        current.seen.add(v.key);
        current.places.push({ key: v.key, name: v.name });
      }
    for (const c of countriesOf.get(d.date) ?? []) current.codes.add(c);
  }
  return journeys
    .map(({ from, to, days: n, places, codes }) => ({
      from,
      to,
      days: n,
      places,
      countries: [...codes].sort(),
    }))
    .reverse();
}

/** Countries per year, newest year first. */
export function countriesByYear(totals: DayTotals[]): { year: number; countries: string[] }[] {
  const byYear = new Map<number, Set<string>>();
  for (const d of totals) {
    const y = Number(d.date.slice(0, 4));
    let set = byYear.get(y);
    if (!set) byYear.set(y, (set = new Set()));
    for (const c of d.countries) set.add(c);
  }
  return [...byYear].sort((a, b) => b[0] - a[0]).map(([year, s]) => ({ year, countries: [...s].sort() }));
}

/** Every flight, newest first (a flight over midnight is listed once). */
export function flightsOf(days: DayVisits[]): Flight[] {
  const seen = new Set<string>();
  const out: Flight[] = [];
  for (const d of days)
    for (const f of d.flights) {
      const id = `${f.start ?? d.date} ${f.end ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ ...f, date: d.date });
    }
  return out.reverse();
}
