// Per-user habits and profile flags, all derived from the seed so a user is just {seed, firstDate, timeZone}.
import { rngFor } from './prng.ts';

export type CommuteMode = 'walk' | 'cycle' | 'car' | 'transit';

export interface UserTraits {
  caloriesAvailable: boolean;
  platform: 'ios' | 'android';
  language: string;
  locale: string;
  metric: boolean;
  firstWeekDay: 1 | 2;
  commute: CommuteMode;
  transitVehicle: 'train' | 'tram' | 'bus' | 'underground';
  runner: boolean;
  gymWorkout: string;
}

const METRIC_LOCALES = [
  { language: 'en', locale: 'en_GB' },
  { language: 'de', locale: 'de_DE' },
  { language: 'fi', locale: 'fi_FI' },
  { language: 'en-DE', locale: 'en_DE' },
];

const cache = new Map<number, UserTraits>();

export function userTraits(seed: number): UserTraits {
  const hit = cache.get(seed);
  if (hit) return hit;
  const rng = rngFor(seed, 'traits');
  const metric = rng.chance(0.8);
  const traits: UserTraits = {
    caloriesAvailable: rng.chance(0.5),
    platform: rng.chance(0.6) ? 'ios' : 'android',
    ...(metric ? rng.pick(METRIC_LOCALES) : { language: 'en', locale: 'en_US' }),
    metric,
    firstWeekDay: metric ? 2 : 1,
    commute: rng.pick(['walk', 'cycle', 'cycle', 'car', 'transit', 'transit'] as const),
    transitVehicle: rng.pick(['train', 'tram', 'bus', 'underground'] as const),
    runner: rng.chance(0.6),
    gymWorkout: rng.pick([
      'weight_training',
      'yoga',
      'swimming',
      'zumba',
      'walking_on_treadmill',
      'spinning',
    ]),
  };
  if (cache.size > 10_000) cache.clear();
  cache.set(seed, traits);
  return traits;
}
