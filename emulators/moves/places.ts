// A user's stable set of places, derived from the seed alone: same ids, names and coordinates on every visit.
import { offsetM, roundTo, type LatLon } from './geo.ts';
import { rngFor, type Rng } from './prng.ts';

export type PlaceType = 'unknown' | 'home' | 'work' | 'school' | 'user' | 'foursquare' | 'facebook';

export interface GenPlace extends LatLon {
  id: number;
  name?: string;
  type: PlaceType;
  facebookPlaceId?: string;
  foursquareId?: string;
  foursquareCategoryIds?: string[];
}

export interface UserPlaces {
  home: GenPlace;
  work: GenPlace;
  gym: GenPlace;
  lunch: GenPlace[];
  errands: GenPlace[];
  leisure: GenPlace[];
  evening: GenPlace[];
  excursions: GenPlace[];
}

/** Rough city centres for common zones; other zones get a point derived from their UTC offset. */
const ZONE_CENTRES: Record<string, LatLon> = {
  'Europe/Berlin': { lat: 52.52, lon: 13.405 },
  'Europe/Paris': { lat: 48.8566, lon: 2.3522 },
  'Europe/London': { lat: 51.5072, lon: -0.1276 },
  'Europe/Helsinki': { lat: 60.1699, lon: 24.9384 },
  'Europe/Amsterdam': { lat: 52.3676, lon: 4.9041 },
  'Europe/Zurich': { lat: 47.3769, lon: 8.5417 },
  'America/Los_Angeles': { lat: 37.7749, lon: -122.4194 },
  'America/New_York': { lat: 40.7128, lon: -74.006 },
  'America/Chicago': { lat: 41.8781, lon: -87.6298 },
  'Asia/Tokyo': { lat: 35.6762, lon: 139.6503 },
  'Australia/Sydney': { lat: -33.8688, lon: 151.2093 },
  UTC: { lat: 51.4779, lon: -0.0015 },
};

export function zoneCentre(zone: string, offsetMinutes: number): LatLon {
  return ZONE_CENTRES[zone] ?? { lat: 45, lon: Math.max(-179, Math.min(179, (offsetMinutes / 60) * 15)) };
}

const LUNCH_NAMES = ['Cafe Central', 'Noodle Bar', 'Mensa', 'Deli am Markt', 'Falafel Haus'];
const ERRAND_NAMES = ['Supermarket', 'Bakery', 'Pharmacy', 'Post Office'];
const LEISURE_NAMES = ['City Park', 'Riverside', 'Botanical Garden', 'Lake Beach'];
const EVENING_NAMES = ['Cinema', 'Jazz Bar', 'Friends'];
const EXCURSION_NAMES = ['Old Town', 'Castle Hill', 'Lakeside Village'];
const FOURSQUARE_CATEGORIES = [
  '4bf58dd8d48988d16d941735',
  '4bf58dd8d48988d1e0931735',
  '4bf58dd8d48988d118951735',
];

function placeId(rng: Rng): number {
  return rng.int(100_000_000, 999_999_999);
}

/** Places from third-party directories carry rounded coordinates; Moves' own carry full doubles. */
function makePlace(rng: Rng, at: LatLon, name: string, kind: 'third-party' | 'own' | 'unknown'): GenPlace {
  const id = placeId(rng);
  if (kind === 'unknown') return { id, type: 'unknown', lat: at.lat, lon: at.lon };
  if (kind === 'own') return { id, name, type: 'user', lat: at.lat, lon: at.lon };
  const lat = roundTo(at.lat, rng.int(4, 6));
  const lon = roundTo(at.lon, rng.int(4, 6));
  if (rng.chance(0.5)) {
    return {
      id,
      name,
      type: 'facebook',
      facebookPlaceId: String(rng.int(100_000, 999_999)) + String(rng.int(100_000_000, 999_999_999)),
      lat,
      lon,
    };
  }
  const hex = Array.from({ length: 24 }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  return {
    id,
    name,
    type: 'foursquare',
    foursquareId: hex,
    foursquareCategoryIds: [rng.pick(FOURSQUARE_CATEGORIES)],
    lat,
    lon,
  };
}

function kindFor(rng: Rng): 'third-party' | 'own' | 'unknown' {
  const r = rng.next();
  return r < 0.6 ? 'third-party' : r < 0.8 ? 'unknown' : 'own';
}

const cache = new Map<string, UserPlaces>();

export function userPlaces(seed: number, zone: string, offsetMinutes: number): UserPlaces {
  const key = `${seed}|${zone}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const rng = rngFor(seed, 'places');
  const centre = zoneCentre(zone, offsetMinutes);
  const homeAt = offsetM(centre, rng.float(500, 6000), rng.float(0, 360));
  const home: GenPlace = { id: placeId(rng), name: 'Home', type: 'home', ...homeAt };
  const workAt = offsetM(homeAt, rng.float(3000, 9000), rng.float(0, 360));
  const work: GenPlace = { id: placeId(rng), name: 'Work', type: 'work', ...workAt };
  const near = (base: LatLon, lo: number, hi: number): LatLon =>
    offsetM(base, rng.float(lo, hi), rng.float(0, 360));
  const gym = makePlace(rng, near(homeAt, 800, 2500), 'Fitness Studio', 'third-party');
  const lunch = LUNCH_NAMES.map((n) => makePlace(rng, near(workAt, 150, 700), n, kindFor(rng)));
  const errands = ERRAND_NAMES.map((n) => makePlace(rng, near(homeAt, 200, 1500), n, kindFor(rng)));
  const leisure = LEISURE_NAMES.map((n) => makePlace(rng, near(homeAt, 1500, 6000), n, kindFor(rng)));
  const evening = EVENING_NAMES.map((n) => makePlace(rng, near(centre, 500, 4000), n, kindFor(rng)));
  const excursions = EXCURSION_NAMES.map((n) =>
    makePlace(rng, near(homeAt, 25_000, 70_000), n, 'third-party'),
  );
  // Guarantee at least one nameless place, as real data always had some.
  lunch[lunch.length - 1] = { id: placeId(rng), type: 'unknown', ...near(workAt, 100, 400) };
  const places = { home, work, gym, lunch, errands, leisure, evening, excursions };
  if (cache.size > 1000) cache.clear();
  cache.set(key, places);
  return places;
}
