// Builds the map's data (tracks of move activities and visited places) from stored Moves day objects. Pure.
import { z } from 'zod';

const point = z.object({ lat: z.number(), lon: z.number() }).loose();
const activity = z
  .object({
    activity: z.string().optional(),
    group: z.string().optional(),
    trackPoints: z.array(point).nullish(),
  })
  .loose();
const segment = z
  .object({
    type: z.string(),
    startTime: z.string().optional(),
    place: z
      .object({
        name: z.string().optional(),
        type: z.string().optional(),
        location: point.optional(),
      })
      .loose()
      .nullish(),
    activities: z.array(activity).nullish(),
  })
  .loose();
export const dayObject = z
  .object({
    date: z.string().regex(/^\d{8}$/),
    summary: z.array(z.object({ steps: z.number().optional() }).loose()).nullish(),
    segments: z.array(segment).nullish(),
  })
  .loose();

export interface MapData {
  from: string | null;
  to: string | null;
  tracks: { date: string; activity: string; points: [number, number][] }[];
  places: { date: string; name: string; lat: number; lon: number }[];
}

const MAX_POINTS_PER_TRACK = 400;

function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const step = xs.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor(i * step)]!);
  out.push(xs[xs.length - 1]!);
  return out;
}

const validCoord = (p: { lat: number; lon: number }) =>
  Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;

/** The last `days` days that have data (by date), as polylines and place markers. Invalid days are skipped. */
export function buildMapData(rawDays: unknown[], days = 7): MapData {
  const parsed = rawDays.flatMap((d) => {
    const r = dayObject.safeParse(d);
    return r.success ? [r.data] : [];
  });
  const withData = parsed
    .filter((d) => (d.segments?.length ?? 0) > 0)
    .sort((a, b) => a.date.localeCompare(b.date));
  const recent = withData.slice(-days);
  const data: MapData = {
    from: recent[0]?.date ?? null,
    to: recent.at(-1)?.date ?? null,
    tracks: [],
    places: [],
  };
  const seenPlaces = new Set<string>();
  for (const day of recent) {
    for (const seg of day.segments ?? []) {
      if (seg.type === 'place' && seg.place?.location && validCoord(seg.place.location)) {
        const name =
          seg.place.name ??
          (seg.place.type === 'home' ? 'Home' : seg.place.type === 'work' ? 'Work' : 'Place');
        const key = `${name}|${seg.place.location.lat.toFixed(4)}|${seg.place.location.lon.toFixed(4)}`;
        if (!seenPlaces.has(key)) {
          seenPlaces.add(key);
          data.places.push({
            date: day.date,
            name,
            lat: seg.place.location.lat,
            lon: seg.place.location.lon,
          });
        }
      }
      for (const act of seg.activities ?? []) {
        const pts = (act.trackPoints ?? []).filter(validCoord).map((p) => [p.lat, p.lon] as [number, number]);
        if (pts.length >= 2)
          data.tracks.push({
            date: day.date,
            activity: act.activity ?? act.group ?? 'move',
            points: thin(pts, MAX_POINTS_PER_TRACK),
          });
      }
    }
  }
  return data;
}
