// GeoJSON (RFC 7946) from stored days, as a stream of text chunks: one Point per place visit and one LineString
// per activity with a track, each with its Moves facts as properties (times keep the member's local offset;
// `coordTimes` gives each position's time, the convention GPX converters use).
import { activityGroup, isoDay, movesTimeIso, placeName, usablePosition, type StoredDay } from './day.ts';

export const GEOJSON_CONTENT_TYPE = 'application/geo+json; charset=utf-8';

function iso(t: string | undefined): string | null {
  return movesTimeIso(t) ?? null;
}

/** The day's features, in the order Moves lists them. */
export function dayFeatures(day: StoredDay): object[] {
  const date = isoDay(day.date);
  const features: object[] = [];
  for (const seg of day.segments ?? []) {
    const at = seg.type === 'place' && seg.place?.location ? usablePosition(seg.place.location) : undefined;
    if (at)
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [at.lon, at.lat] },
        properties: {
          kind: 'place',
          date,
          name: placeName(seg.place) ?? null,
          placeType: seg.place?.type ?? null,
          placeId: seg.place?.id ?? null,
          arrival: iso(seg.startTime),
          departure: iso(seg.endTime),
        },
      });
    for (const act of seg.activities ?? []) {
      const points = (act.trackPoints ?? []).flatMap((p) => {
        const pos = usablePosition(p);
        return pos ? [{ ...pos, time: p.time }] : [];
      });
      if (points.length < 2) continue;
      features.push({
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: points.map((p) => [p.lon, p.lat]) },
        properties: {
          kind: 'move',
          date,
          activity: act.activity ?? null,
          group: activityGroup(act),
          manual: act.manual ?? null,
          startTime: iso(act.startTime),
          endTime: iso(act.endTime),
          duration: act.duration ?? null,
          distance: act.distance ?? null,
          steps: act.steps ?? null,
          calories: act.calories ?? null,
          coordTimes: points.map((p) => iso(p.time)),
        },
      });
    }
  }
  return features;
}

/** The FeatureCollection, chunk by chunk (one chunk per day). */
export async function* geojsonChunks(days: AsyncIterable<StoredDay>): AsyncGenerator<string> {
  yield '{"type":"FeatureCollection","features":[';
  let first = true;
  for await (const day of days) {
    const features = dayFeatures(day);
    if (!features.length) continue;
    yield (first ? '\n' : ',\n') + features.map((f) => JSON.stringify(f)).join(',\n');
    first = false;
  }
  yield '\n]}\n';
}
