// One leg of a move: an activity along a path, with plausible speed, distance, steps and calories.
import { groupOf } from './activity-catalog.ts';
import { pathLengthM, type LatLon } from './geo.ts';
import type { GenActivity } from './model.ts';
import type { Rng } from './prng.ts';

/** metres per second, [min, max] */
const SPEED: Record<string, [number, number]> = {
  walking: [1.1, 1.5],
  running: [2.6, 3.4],
  cycling: [4.0, 6.0],
  rollerblading: [3.5, 5.0],
  car: [8, 14],
  bus: [5, 8],
  tram: [5, 8],
  train: [12, 22],
  underground: [8, 12],
};
const STEP_LENGTH: Record<string, number> = { walking: 0.72, running: 1.05 };
const KCAL_PER_KM: Record<string, number> = { walking: 55, running: 70, cycling: 28, rollerblading: 35 };

export function buildLeg(
  rng: Rng,
  activity: string,
  path: LatLon[],
  start: number,
  opts: { manual?: boolean; calories: boolean },
): GenActivity {
  // Streets are not straight lines: real distance is 10–35% longer than the waypoint path.
  const distance = Math.max(20, Math.round(pathLengthM(path) * rng.float(1.1, 1.35)));
  const [lo, hi] = SPEED[activity] ?? [1.2, 1.5];
  const duration = Math.max(30, Math.round(distance / rng.float(lo, hi)));
  const group = groupOf(activity);
  const leg: GenActivity = {
    activity,
    manual: opts.manual ?? false,
    start,
    end: start + duration * 1000,
    distance,
    path,
    tpSeed: rng.int(0, 2 ** 31),
  };
  if (group) leg.group = group;
  const stepLength = STEP_LENGTH[group ?? ''];
  if (stepLength) leg.steps = Math.round(distance / stepLength);
  const kcal = KCAL_PER_KM[group ?? activity];
  if (opts.calories && kcal) leg.calories = Math.round((distance / 1000) * kcal);
  return leg;
}
