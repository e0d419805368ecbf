// Track points: a fix every few seconds to a minute, interpolated along the activity's path with a few metres of
// GPS noise.
import { alongPath, offsetM, roundTo, type LatLon } from './geo.ts';
import { IRREGULAR_STEP_MS, TRACK_POINT_OVERHANG_RATE, type Irregularities } from './irregularities.ts';
import type { GenActivity, TrackPoint } from './model.ts';
import { createRng, rngFor } from './prng.ts';

/** Seconds between fixes [min, max]: as dense as the recorded week (~340 a day), or the sparser earlier fixes. */
const INTERVAL_S = {
  recorded: { slow: [5, 21], fast: [5, 42] },
  sparse: { slow: [10, 30], fast: [10, 60] },
} as const;

function fix(p: LatLon): { lat: number; lon: number } {
  // Real fixes carried 6–7 decimals.
  return { lat: roundTo(p.lat, 7), lon: roundTo(p.lon, 7) };
}

/**
 * The full, unclipped list for one activity; deterministic from its tpSeed. The first fix is at the start, the
 * last at the end, or (for some activities, as recorded) 1 s after it.
 */
export function trackPointsFor(
  act: GenActivity,
  irregularities: Pick<Irregularities, 'recordedDensity' | 'trackPointOverhang'>,
): TrackPoint[] {
  const path = act.path;
  if (!path || path.length === 0) return [];
  const rng = createRng(act.tpSeed);
  const span = act.end - act.start;
  const [lo, hi] =
    INTERVAL_S[irregularities.recordedDensity ? 'recorded' : 'sparse'][
      act.group === 'transport' ? 'fast' : 'slow'
    ];
  const points: TrackPoint[] = [{ ...fix(path[0]!), time: act.start }];
  let t = act.start + rng.int(lo, hi) * 1000;
  while (t < act.end) {
    const f = span > 0 ? (t - act.start) / span : 1;
    const noisy = offsetM(alongPath(path, f), rng.float(0, 8), rng.float(0, 360));
    points.push({ ...fix(noisy), time: t });
    t += rng.int(lo, hi) * 1000;
  }
  const overhang =
    rngFor(act.tpSeed, 'overhang').chance(TRACK_POINT_OVERHANG_RATE) && irregularities.trackPointOverhang;
  points.push({ ...fix(path[path.length - 1]!), time: act.end + (overhang ? IRREGULAR_STEP_MS : 0) });
  return points;
}

function interpolate(a: TrackPoint, b: TrackPoint, time: number): TrackPoint {
  const f = b.time === a.time ? 0 : (time - a.time) / (b.time - a.time);
  return { lat: roundTo(a.lat + (b.lat - a.lat) * f, 7), lon: roundTo(a.lon + (b.lon - a.lon) * f, 7), time };
}

/**
 * The points inside [from, to]. When the activity was cut at a day boundary, a point is interpolated exactly at
 * the cut, so day N ends with a …T235959 fix and day N+1 starts with a …T000000 one (§4.1).
 */
export function clipTrackPoints(points: readonly TrackPoint[], from: number, to: number): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const prev = points[i - 1];
    if (prev && prev.time < from && p.time > from) out.push(interpolate(prev, p, from));
    if (p.time >= from && p.time <= to) out.push(p);
    if (prev && prev.time < to && p.time > to) out.push(interpolate(prev, p, to));
  }
  return out;
}
