// Builds the map's data (tracks of move activities and visited places) from stored Moves day objects. Pure.
// Every name here comes from Moves: the map script renders it as text, never as HTML.
import {
  activityGroup,
  activityLabel,
  dayHasData,
  placeName,
  readDay,
  usablePosition,
  type ActivityGroup,
} from '../storyline/day.ts';
import { shortened } from '../storyline/timeline.ts';

export interface MapTrack {
  date: string;
  activity: string;
  group: ActivityGroup;
  points: [number, number][];
}

export interface MapPlace {
  date: string;
  name: string;
  /** False for places Moves knows no name for: drawn as dots without a label. */
  named: boolean;
  lat: number;
  lon: number;
}

export interface MapData {
  from: string | null;
  to: string | null;
  tracks: MapTrack[];
  places: MapPlace[];
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

/** The last `days` days that have data (by date), as polylines and place markers. Invalid days are skipped. */
export function buildMapData(rawDays: unknown[], days = 7): MapData {
  const withData = rawDays
    .flatMap((d) => {
      const day = readDay(d);
      return day && dayHasData(day) ? [day] : [];
    })
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
      const at = seg.type === 'place' && seg.place?.location ? usablePosition(seg.place.location) : undefined;
      if (at) {
        const name = placeName(seg.place);
        const key = `${name ?? ''}|${at.lat.toFixed(4)}|${at.lon.toFixed(4)}`;
        if (!seenPlaces.has(key)) {
          seenPlaces.add(key);
          data.places.push({
            date: day.date,
            name: name === undefined ? 'Unnamed place' : shortened(name),
            named: !!name,
            ...at,
          });
        }
      }
      for (const act of seg.activities ?? []) {
        const pts = (act.trackPoints ?? []).flatMap((p) => {
          const pos = usablePosition(p);
          return pos ? [[pos.lat, pos.lon] as [number, number]] : [];
        });
        if (pts.length >= 2)
          data.tracks.push({
            date: day.date,
            activity: shortened(activityLabel(act)),
            group: activityGroup(act),
            points: thin(pts, MAX_POINTS_PER_TRACK),
          });
      }
    }
  }
  return data;
}
