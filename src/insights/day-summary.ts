// One stored day's summary, as the history pages read it: totals per activity group, the places visited, the
// longest moves and the flights, track points counted per grid cell, and the countries. Pure and tolerant: the
// stored text is whatever Moves or an export held, so any field that is missing, null or of the wrong type
// counts as absent, and no day makes it throw.
import { countryAt, countryOfCell } from './countries.ts';
import { cellKey, GRID_DEGREES, isPosition } from './grid.ts';

export interface GroupTotals {
  distance: number;
  duration: number;
  steps: number;
  calories: number;
}

export interface Position {
  lat: number;
  lon: number;
}

/** A stay at a place. Times are Moves timestamps with their own offset (20160617T093531-0700). */
export interface Visit extends Position {
  /** The place's identity: `m<Moves place id>`, else `g<lat>_<lon>` in steps of PLACE_STEP degrees. */
  key: string;
  name?: string;
  type?: string;
  start?: string;
  end?: string;
}

export interface MoveSummary {
  group: string;
  activity: string;
  distance: number;
  duration: number;
  start?: string;
  end?: string;
  from?: Position;
  to?: Position;
}

export interface DaySummary {
  /** yyyyMMdd. */
  date: string;
  /** Moves recorded segments or summary entries on the day. */
  hasData: boolean;
  /** The day's summary entries added up by activity group. */
  groups: Record<string, GroupTotals>;
  visits: Visit[];
  /** The day's MOVES_KEPT longest activities by distance (without their ends). */
  moves: MoveSummary[];
  /** Every airplane activity. */
  flights: MoveSummary[];
  /** [lat index, lon index, track points] per grid cell (grid.ts). */
  cells: [number, number, number][];
  /** Distinct squares of SPOT_DEGREES the day's points and places lie in: how far from home the day went. */
  spots: [number, number][];
  /** ISO codes of the countries the day's points and places lie in, sorted. */
  countries: string[];
}

/** About 50 m: two stays this close without a Moves place id are the same place. */
export const PLACE_STEP = 0.0005;
export const SPOT_DEGREES = 0.05;
export const MOVES_KEPT = 5;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The activity group a summary entry or activity counts under: its group, else its activity, else other. */
export function groupOf(entry: Obj): string {
  return str(entry.group) ?? str(entry.activity) ?? 'other';
}

function position(v: unknown): Position | undefined {
  const o = obj(v);
  return o && isPosition(o.lat, o.lon) ? { lat: o.lat, lon: o.lon as number } : undefined;
}

/** The identity of a place: its Moves id, else its location rounded to about 50 m. */
export function placeKey(id: unknown, at: Position): string {
  if (typeof id === 'number' && Number.isSafeInteger(id)) return `m${id}`;
  return `g${Math.round(at.lat / PLACE_STEP)}_${Math.round(at.lon / PLACE_STEP)}`;
}

function groupTotals(summary: unknown): Record<string, GroupTotals> {
  const groups: Record<string, GroupTotals> = {};
  for (const raw of list(summary)) {
    const e = obj(raw);
    if (!e) continue;
    const g = (groups[groupOf(e)] ??= { distance: 0, duration: 0, steps: 0, calories: 0 });
    g.distance += num(e.distance);
    g.duration += num(e.duration);
    g.steps += num(e.steps);
    g.calories += num(e.calories);
  }
  return groups;
}

function visitOf(seg: Obj): Visit | undefined {
  if (seg.type !== 'place') return undefined;
  const place = obj(seg.place);
  const at = place && position(place.location);
  if (!place || !at) return undefined;
  const v: Visit = { key: placeKey(place.id, at), ...at };
  const name = str(place.name) ?? str(place.foursquareCategoryName);
  if (name) v.name = name;
  const type = str(place.type);
  if (type) v.type = type;
  const start = str(seg.startTime);
  if (start) v.start = start;
  const end = str(seg.endTime);
  if (end) v.end = end;
  return v;
}

function moveOf(a: Obj, ends: { from?: Position; to?: Position }): MoveSummary {
  const m: MoveSummary = {
    group: groupOf(a),
    activity: str(a.activity) ?? groupOf(a),
    distance: num(a.distance),
    duration: num(a.duration),
  };
  const start = str(a.startTime);
  if (start) m.start = start;
  const end = str(a.endTime);
  if (end) m.end = end;
  if (ends.from && ends.to) {
    m.from = ends.from;
    m.to = ends.to;
  }
  return m;
}

const isFlight = (m: MoveSummary) => m.activity === 'airplane' || m.group === 'airplane';

/**
 * Counts points into cells and coarse squares as they come. The hot loop of a week's summary (a week holds
 * thousands of track points): numbers only, nothing allocated for a point whose cell and square are known.
 */
class PointTally {
  readonly cells = new Map<number, [number, number, number]>();
  readonly spots = new Map<number, [number, number]>();

  add(lat: number, lon: number, count: boolean): void {
    if (count) {
      const la = Math.floor(lat / GRID_DEGREES);
      const lo = Math.floor(lon / GRID_DEGREES);
      const c = this.cells.get(cellKey(la, lo));
      if (c) c[2]++;
      else this.cells.set(cellKey(la, lo), [la, lo, 1]);
    }
    const sa = Math.floor(lat / SPOT_DEGREES);
    const so = Math.floor(lon / SPOT_DEGREES);
    if (!this.spots.has(cellKey(sa, so))) this.spots.set(cellKey(sa, so), [sa, so]);
  }
}

/** Tallies an activity's track points; its first and last point (where it started and ended). */
function activityPoints(a: Obj, tally: PointTally): { from?: Position; to?: Position } {
  let from: Obj | undefined;
  let to: Obj | undefined;
  for (const raw of list(a.trackPoints)) {
    const p = obj(raw);
    if (!p || !isPosition(p.lat, p.lon)) continue;
    tally.add(p.lat, p.lon as number, true);
    from ??= p;
    to = p;
  }
  return from && to ? { from: position(from)!, to: position(to)! } : {};
}

function countriesOf(tally: PointTally, visits: Visit[]): string[] {
  const codes = new Set<string>();
  for (const [la, lo] of tally.cells.values()) {
    const code = countryOfCell(la, lo);
    if (code) codes.add(code);
  }
  for (const v of visits) {
    const code = countryAt(v.lat, v.lon);
    if (code) codes.add(code);
  }
  return [...codes].sort();
}

/** The summary of one stored day object; undefined when it is not a day with a yyyyMMdd date. */
export function summarizeDay(raw: unknown): DaySummary | undefined {
  const day = obj(raw);
  const date = day && str(day.date);
  if (!day || !date || !/^\d{8}$/.test(date)) return undefined;
  const segments = list(day.segments);
  const summary = list(day.summary);
  const tally = new PointTally();
  const visits: Visit[] = [];
  const moves: MoveSummary[] = [];
  for (const rawSeg of segments) {
    const seg = obj(rawSeg);
    if (!seg) continue;
    const visit = visitOf(seg);
    if (visit) {
      visits.push(visit);
      tally.add(visit.lat, visit.lon, false);
    }
    for (const rawActivity of list(seg.activities)) {
      const a = obj(rawActivity);
      if (a) moves.push(moveOf(a, activityPoints(a, tally)));
    }
  }
  return {
    date,
    hasData: segments.length > 0 || summary.length > 0,
    groups: groupTotals(summary),
    visits,
    // Where a move started and ended matters for flights only: the longest moves stay small.
    moves: moves
      .filter((m) => m.distance > 0)
      .sort((a, b) => b.distance - a.distance)
      .slice(0, MOVES_KEPT)
      .map(({ from: _from, to: _to, ...m }) => m),
    flights: moves.filter(isFlight),
    cells: [...tally.cells.values()],
    spots: [...tally.spots.values()],
    countries: countriesOf(tally, visits),
  };
}

/** The summaries of a week's days (a JSON array); none when the text is not one. */
export function summarizeWeekText(daysJson: string): DaySummary[] {
  let days: unknown;
  try {
    days = JSON.parse(daysJson);
  } catch {
    return [];
  }
  return summarizeDays(days);
}

/** The summaries of a week's parsed day objects. */
export function summarizeDays(days: unknown): DaySummary[] {
  return list(days).flatMap((d) => summarizeDay(d) ?? []);
}
