// Daily routines: what a user does on one calendar day of their home zone, from seed + day alone.
// A plan holds the day's segments from the morning departure to the evening arrival; the night at home between
// two plans is added by the generator, so neighbouring days never need each other's full plans.
import { isoWeekday } from './dates.ts';
import { offsetM, distanceM, type LatLon } from './geo.ts';
import {
  ACTIVITY_GAP_RATE,
  IRREGULAR_STEP_MS,
  SEGMENT_END_OVERHANG_RATE,
  type Irregularities,
} from './irregularities.ts';
import { buildLeg } from './legs.ts';
import type { GenActivity, GenSegment } from './model.ts';
import type { GenPlace, UserPlaces } from './places.ts';
import { rngFor, type Rng } from './prng.ts';
import type { CommuteMode, UserTraits } from './user-traits.ts';

export interface DayPlan {
  segments: GenSegment[];
  firstStart: number;
  lastEnd: number;
}

export interface PlanInput {
  seed: number;
  ordinal: number;
  /** local midnight of the day in the user's home zone */
  dayStart: number;
  places: UserPlaces;
  traits: UserTraits;
  /** an edited day always has data */
  forceData: boolean;
  irregularities: Irregularities;
}

const MIN = 60_000;
const HOUR = 3_600_000;

/** Probability that a day has no data at all (phone off, app not running). */
export const EMPTY_DAY_PROBABILITY = 0.03;

/** Delay between a segment ending and the app uploading it: sets `lastUpdate`. */
export function uploadDelay(rng: Rng): number {
  return rng.int(5, 180) * MIN + rng.int(0, 59) * 1000;
}

export function isEmptyDay(seed: number, ordinal: number): boolean {
  return rngFor(seed, ordinal, 'empty').chance(EMPTY_DAY_PROBABILITY);
}

class DayBuilder {
  readonly segments: GenSegment[] = [];
  t: number;
  here: GenPlace;

  readonly rng: Rng;
  /** its own stream, drawn whether or not a switch is on, so switching one off changes nothing else */
  readonly irregular: Rng;
  readonly irregularities: Irregularities;
  readonly traits: UserTraits;

  constructor(
    rng: Rng,
    irregular: Rng,
    irregularities: Irregularities,
    traits: UserTraits,
    start: number,
    home: GenPlace,
  ) {
    this.rng = rng;
    this.irregular = irregular;
    this.irregularities = irregularities;
    this.traits = traits;
    this.t = start;
    this.here = home;
  }

  private secs(ms: number): number {
    return Math.round(ms / 1000) * 1000;
  }

  private push(seg: Omit<GenSegment, 'lastUpdate'>): void {
    this.segments.push({ ...seg, lastUpdate: seg.end + uploadDelay(this.rng) });
  }

  /** A stay: starts 0–20 s after the previous move ended, as in the recordings. */
  stay(durationMs: number, activities: (start: number, end: number) => GenActivity[] = () => []): void {
    const start = this.secs(this.t + this.rng.int(0, 20) * 1000);
    const end = this.secs(start + Math.max(MIN, durationMs));
    this.push({ type: 'place', start, end, place: this.here, activities: activities(start, end) });
    this.t = end;
  }

  stayUntil(ms: number, activities?: (start: number, end: number) => GenActivity[]): void {
    this.stay(Math.max(10 * MIN, ms - this.t), activities);
  }

  off(durationMs: number): void {
    const start = this.secs(this.t + this.rng.int(30, 600) * 1000);
    const end = this.secs(start + durationMs);
    this.push({ type: 'off', start, end, activities: [] });
    this.t = end;
  }

  /**
   * Consecutive legs of one move share their boundary timestamps, except for the recorded 1 s gaps; the move
   * ends with its last leg, or (as recorded) 1 s after it.
   */
  move(legs: Array<{ activity: string; path: LatLon[]; manual?: boolean }>, to: GenPlace): void {
    const { activityGaps, segmentEndOverhang } = this.irregularities;
    const start = this.secs(this.t);
    let t = start;
    const activities = legs.map((l, i) => {
      const gap = i > 0 && this.irregular.chance(ACTIVITY_GAP_RATE);
      if (gap && activityGaps) t += IRREGULAR_STEP_MS;
      const leg = buildLeg(this.rng, l.activity, l.path, t, {
        manual: l.manual,
        calories: this.traits.caloriesAvailable,
      });
      t = leg.end;
      return leg;
    });
    if (this.irregular.chance(SEGMENT_END_OVERHANG_RATE) && segmentEndOverhang) t += IRREGULAR_STEP_MS;
    this.push({ type: 'move', start, end: t, activities });
    this.t = t;
    this.here = to;
  }

  travel(to: GenPlace, mode: CommuteMode | 'run'): void {
    const from: LatLon = this.here;
    const rng = this.rng;
    const bend = (a: LatLon, b: LatLon): LatLon =>
      offsetM(
        { lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2 },
        distanceM(a, b) * rng.float(0.05, 0.2),
        rng.float(0, 360),
      );
    const direct = [from, bend(from, to), to];
    // Nobody walks 5 km to the shop: long "walks" become public transport.
    if (mode === 'walk' && distanceM(from, to) > 2500) mode = 'transit';
    if (mode === 'run') {
      // A run: a loop through a few waypoints back to where it started.
      const radius = rng.float(1200, 3500);
      const heading = rng.float(0, 360);
      const loop = [
        from,
        offsetM(from, radius, heading),
        offsetM(from, radius, heading + 100),
        offsetM(from, radius * 0.6, heading + 200),
        to,
      ];
      this.move([{ activity: 'running', path: loop }], to);
      return;
    }
    if (mode === 'walk' || distanceM(from, to) < 900) {
      this.move([{ activity: 'walking', path: direct }], to);
    } else if (mode === 'cycle') {
      const legs: Array<{ activity: string; path: LatLon[] }> = [{ activity: 'cycling', path: direct }];
      this.move(legs, to);
    } else if (mode === 'car') {
      const parking = offsetM(to, rng.float(60, 250), rng.float(0, 360));
      this.move(
        [
          { activity: 'car', path: [from, bend(from, parking), parking], manual: rng.chance(0.4) },
          { activity: 'walking', path: [parking, to] },
        ],
        to,
      );
    } else {
      const stopA = offsetM(from, rng.float(250, 700), rng.float(0, 360));
      const stopB = offsetM(to, rng.float(200, 600), rng.float(0, 360));
      const vehicle = rng.chance(0.8)
        ? this.traits.transitVehicle
        : rng.pick(['bus', 'tram', 'train'] as const);
      this.move(
        [
          { activity: 'walking', path: [from, stopA] },
          { activity: vehicle, path: [stopA, bend(stopA, stopB), stopB], manual: rng.chance(0.5) },
          { activity: 'walking', path: [stopB, to] },
        ],
        to,
      );
    }
  }
}

/** A short in-place walk (e.g. to a meeting room): an activity inside a place segment, without track points. */
function shortWalk(rng: Rng, traits: UserTraits, start: number, end: number): GenActivity[] {
  const span = end - start;
  if (span < 20 * MIN || !rng.chance(0.45)) return [];
  const duration = rng.int(30, 400);
  const at = start + Math.round((rng.float(0.1, 0.8) * span) / 1000) * 1000;
  const distance = Math.round(duration * rng.float(0.6, 1.1));
  const walk: GenActivity = {
    activity: 'walking',
    group: 'walking',
    manual: false,
    start: at,
    end: at + duration * 1000,
    distance,
    steps: rng.chance(0.1) ? 0 : Math.round(distance / 0.72),
    tpSeed: 0,
  };
  if (traits.caloriesAvailable) walk.calories = Math.round(distance * 0.05);
  return [walk];
}

/** A manual workout logged at a place: no start/end time, no distance (units per §3.7). */
function manualWorkout(rng: Rng, traits: UserTraits, start: number, end: number): GenActivity[] {
  const duration = Math.min(Math.round((end - start) / 1000) - 300, rng.int(30, 60) * 60);
  const a: GenActivity = {
    activity: traits.gymWorkout,
    manual: true,
    start,
    end: start + duration * 1000,
    timeless: true,
    tpSeed: 0,
  };
  if (traits.gymWorkout === 'walking_on_treadmill') {
    a.group = 'walking';
    a.steps = Math.round(duration * 1.8);
  }
  if (traits.caloriesAvailable) a.calories = Math.round(duration * rng.float(0.08, 0.14));
  return [a];
}

export function planDay(input: PlanInput): DayPlan | null {
  const { seed, ordinal, dayStart, places, traits } = input;
  if (!input.forceData && isEmptyDay(seed, ordinal)) return null;
  const rng = rngFor(seed, ordinal, 'plan');
  const weekday = isoWeekday(ordinal);
  const workday = weekday <= 5 && !rng.chance(0.06); // the odd day off
  const at = (h: number, spreadMin: number): number =>
    dayStart + h * HOUR + rng.int(-spreadMin, spreadMin) * MIN;
  const irregular = rngFor(seed, ordinal, 'irregular');
  const b = new DayBuilder(
    rng,
    irregular,
    input.irregularities,
    traits,
    workday ? at(7.6, 35) : at(10, 60),
    places.home,
  );
  const commute: CommuteMode = rng.chance(0.85)
    ? traits.commute
    : rng.pick(['walk', 'cycle', 'car', 'transit'] as const);

  if (workday) {
    b.travel(places.work, commute);
    if (rng.chance(0.7)) {
      b.stayUntil(at(12, 20), (s, e) => shortWalk(rng, traits, s, e));
      b.travel(rng.pick(places.lunch), 'walk');
      b.stay(rng.int(25, 50) * MIN);
      b.travel(places.work, 'walk');
    }
    if (rng.chance(0.04)) {
      b.off(rng.int(60, 180) * MIN);
    }
    b.stayUntil(at(17.3, 45), (s, e) => shortWalk(rng, traits, s, e));
    const evening = rng.next();
    if (evening < 0.25) {
      b.travel(places.gym, commute === 'car' ? 'car' : 'cycle');
      b.stay(rng.int(60, 100) * MIN, (s, e) => manualWorkout(rng, traits, s, e));
    } else if (evening < 0.5) {
      b.travel(rng.pick(places.errands), commute === 'car' ? 'car' : 'walk');
      b.stay(rng.int(10, 35) * MIN);
    }
    b.travel(places.home, commute);
    if (rng.chance(traits.runner ? 0.25 : 0.03)) {
      b.stay(rng.int(20, 60) * MIN);
      b.travel(places.home, 'run');
    }
  } else {
    const plan = rng.next();
    if (plan < 0.3) {
      b.travel(rng.pick(places.leisure), rng.chance(0.5) ? 'walk' : 'cycle');
      b.stay(rng.int(40, 150) * MIN);
      b.travel(places.home, rng.chance(0.5) ? 'walk' : 'cycle');
    } else if (plan < 0.5) {
      const trip = rng.pick(places.excursions);
      b.travel(trip, rng.chance(0.6) ? 'car' : 'transit');
      b.stay(rng.int(120, 300) * MIN);
      b.travel(places.home, rng.chance(0.6) ? 'car' : 'transit');
    } else if (plan < 0.7 && (traits.runner || rng.chance(0.15))) {
      b.travel(places.home, 'run');
    }
    // Only stay home when something happened already: the night at home is its own segment.
    if (b.segments.length > 0) b.stay(rng.int(30, 120) * MIN);
    b.travel(rng.pick(places.errands), 'walk');
    b.stay(rng.int(10, 30) * MIN);
    b.travel(places.home, 'walk');
  }

  // Some evenings out run past midnight: their stays and moves cross into the next day.
  if (rng.chance(workday ? 0.1 : 0.3)) {
    b.stayUntil(Math.max(b.t + 30 * MIN, at(20.5, 40)));
    b.travel(rng.pick(places.evening), rng.chance(0.5) ? 'transit' : 'cycle');
    b.stayUntil(Math.max(b.t + 30 * MIN, at(23.6, 35)));
    b.travel(places.home, rng.chance(0.5) ? 'transit' : 'car');
  }
  const first = b.segments[0];
  if (!first) return null;
  return { segments: b.segments, firstStart: first.start, lastEnd: b.t };
}
