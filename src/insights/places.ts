// The member's places, from the visits of every day: a place is its Moves place id, else its location rounded to
// about 50 m (day-summary.ts). A stay that crosses midnight appears on both days with the same start: it counts
// once.
import type { Position, Visit } from './day-summary.ts';
import type { DayVisits } from './service.ts';

export interface Place extends Position {
  key: string;
  name?: string;
  type?: string;
  visits: number;
  /** Time spent, in seconds. */
  seconds: number;
  /** yyyyMMdd of the first and last day it was visited. */
  first: string;
  last: string;
  /** Every day it was visited, oldest first. */
  dates: string[];
}

export interface PlaceVisit {
  date: string;
  start?: string;
  end?: string;
  seconds: number;
}

const MOVES_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})$/;

/** A Moves timestamp as epoch milliseconds, or undefined. */
export function movesTimeMs(s: string | undefined): number | undefined {
  const m = s ? MOVES_TIME.exec(s) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, z] = m as unknown as string[];
  const offset =
    z === 'Z' ? 0 : (z!.startsWith('-') ? -1 : 1) * (Number(z!.slice(1, 3)) * 60 + Number(z!.slice(3)));
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +se!) - offset * 60_000;
  return Number.isFinite(ms) ? ms : undefined;
}

/** A visit's length in seconds (0 when a time is missing or they are out of order). */
export function visitSeconds(v: { start?: string; end?: string }): number {
  const a = movesTimeMs(v.start);
  const b = movesTimeMs(v.end);
  return a !== undefined && b !== undefined && b > a ? (b - a) / 1000 : 0;
}

/** Each distinct stay once, with the date it first appears on. */
function* stays(days: DayVisits[]): Generator<{ date: string; visit: Visit }> {
  const seen = new Set<string>();
  for (const d of days)
    for (const visit of d.visits) {
      const id = `${visit.key} ${visit.start ?? d.date}`;
      if (seen.has(id)) continue;
      seen.add(id);
      yield { date: d.date, visit };
    }
}

/** Every place, most time spent first. */
export function placesOf(days: DayVisits[]): Place[] {
  const places = new Map<string, Place>();
  for (const { date, visit: v } of stays(days)) {
    let p = places.get(v.key);
    if (!p)
      places.set(
        v.key,
        (p = {
          key: v.key,
          lat: v.lat,
          lon: v.lon,
          visits: 0,
          seconds: 0,
          first: date,
          last: date,
          dates: [],
        }),
      );
    p.visits++;
    p.seconds += visitSeconds(v);
    p.last = date;
    if (p.dates[p.dates.length - 1] !== date) p.dates.push(date);
    // The newest name and type win: a member may have renamed the place.
    if (v.name) p.name = v.name;
    if (v.type) p.type = v.type;
  }
  return [...places.values()].sort((a, b) => b.seconds - a.seconds || b.visits - a.visits);
}

/** The stays at one place, oldest first. */
export function visitsTo(days: DayVisits[], key: string): PlaceVisit[] {
  const out: PlaceVisit[] = [];
  for (const { date, visit: v } of stays(days))
    if (v.key === key) out.push({ date, start: v.start, end: v.end, seconds: visitSeconds(v) });
  return out;
}
