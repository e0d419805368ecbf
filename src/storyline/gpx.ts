// GPX 1.1 from stored days, as a stream of text chunks: places as waypoints (arrival time, name, Moves place
// type), then each activity with a track as a track of time-stamped points. GPX wants every waypoint before the
// first track, so the days are read twice (the caller hands a function that starts a fresh pass each time).
import { DateTime } from 'luxon';
import { activityLabel, movesTimeUtc, placeName, usablePosition, type StoredDay } from './day.ts';

export const GPX_CONTENT_TYPE = 'application/gpx+xml; charset=utf-8';

/** XML 1.0 text: escaped, and without the control characters XML cannot carry at all. */
export function xmlText(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex -- removing exactly these characters is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

/** A coordinate as xsd:decimal (never exponent notation), to about 0.1 mm. */
export function decimal(x: number): string {
  const s = x.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function timeTag(t: string | undefined): string {
  const u = movesTimeUtc(t);
  return u ? `<time>${u}</time>` : '';
}

function dayWaypoints(day: StoredDay): string {
  let out = '';
  for (const seg of day.segments ?? []) {
    const at = seg.type === 'place' && seg.place?.location ? usablePosition(seg.place.location) : undefined;
    if (!at) continue;
    const name = placeName(seg.place) ?? 'Place';
    const left = movesTimeUtc(seg.endTime);
    out +=
      `<wpt lat="${decimal(at.lat)}" lon="${decimal(at.lon)}">${timeTag(seg.startTime)}` +
      `<name>${xmlText(name)}</name>` +
      (left ? `<desc>${xmlText(`Left at ${left}`)}</desc>` : '') +
      (seg.place?.type ? `<type>${xmlText(seg.place.type)}</type>` : '') +
      `</wpt>\n`;
  }
  return out;
}

function dayTracks(day: StoredDay): string {
  let out = '';
  for (const seg of day.segments ?? []) {
    for (const act of seg.activities ?? []) {
      const points = (act.trackPoints ?? []).flatMap((p) => {
        const at = usablePosition(p);
        return at ? [{ ...at, time: p.time }] : [];
      });
      if (points.length < 2) continue;
      out += `<trk><name>${xmlText(activityLabel(act))}</name>`;
      if (act.activity) out += `<type>${xmlText(act.activity)}</type>`;
      out += '<trkseg>';
      for (const p of points)
        out += `<trkpt lat="${decimal(p.lat)}" lon="${decimal(p.lon)}">${timeTag(p.time)}</trkpt>`;
      out += '</trkseg></trk>\n';
    }
  }
  return out;
}

export interface ExportInfo {
  /** What the file holds, e.g. "Moves storyline 2016-06-17". */
  name: string;
  generatedAt: Date;
}

/** The GPX document, chunk by chunk (one chunk per day and pass). */
export async function* gpxChunks(
  days: () => AsyncIterable<StoredDay>,
  info: ExportInfo,
): AsyncGenerator<string> {
  const at = DateTime.fromJSDate(info.generatedAt).toUTC().toISO({ suppressMilliseconds: true });
  yield (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<gpx version="1.1" creator="oh-moves" xmlns="http://www.topografix.com/GPX/1/1"' +
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
    ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">\n' +
    `<metadata><name>${xmlText(info.name)}</name><time>${at}</time></metadata>\n`
  );
  for await (const day of days()) {
    const chunk = dayWaypoints(day);
    if (chunk) yield chunk;
  }
  for await (const day of days()) {
    const chunk = dayTracks(day);
    if (chunk) yield chunk;
  }
  yield '</gpx>\n';
}
