// GPX and GeoJSON downloads from stored days: GPX validates against the GPX 1.1 XSD, GeoJSON is structurally
// sound, and both carry exactly the places and tracks of the days (names as text, whatever they contain).
import { describe, expect, it } from 'vitest';
import { generateStorylineDay } from '../../emulators/moves/generator.ts';
import { movesTimeIso, movesTimeUtc, readDay, type StoredDay } from '../../src/storyline/day.ts';
import { geojsonChunks } from '../../src/storyline/geojson.ts';
import { decimal, gpxChunks } from '../../src/storyline/gpx.ts';
import { geojsonProblems, gpxSchemaErrors } from '../support/geo-formats.ts';

const user = { seed: 77, firstDate: '20160601', timeZone: 'Europe/Berlin' };
const dates = ['20160613', '20160614', '20160615'];
const generated = dates.map((d) =>
  readDay(generateStorylineDay(user, d, { trackPoints: true, now: Date.UTC(2017, 0, 1) }))!,
);

/** A day whose place name tries markup, entities and a control character. */
const tricky: StoredDay = readDay({
  date: '20160616',
  summary: null,
  segments: [
    {
      type: 'place',
      startTime: '20160616T080000+0200',
      endTime: '20160616T090000+0200',
      place: { id: 5, name: '<b>Café & "Bar"</b>\u0001', type: 'user', location: { lat: 52.5, lon: 180 } },
    },
    {
      type: 'move',
      startTime: '20160616T090000+0200',
      endTime: '20160616T091000+0200',
      activities: [
        {
          activity: 'walking',
          group: 'walking',
          startTime: '20160616T090000+0200',
          endTime: '20160616T091000+0200',
          duration: 600,
          distance: 800,
          steps: 900,
          trackPoints: [
            { lat: 52.5, lon: 13.4, time: '20160616T090000+0200' },
            { lat: 52.5000001, lon: 0.00000001, time: '20160616T091000+0200' },
          ],
        },
      ],
    },
  ],
})!;
const empty = readDay({ date: '20160617', summary: null, segments: null })!;
const days = [...generated, tricky, empty];

async function* iterate(list: StoredDay[]) {
  yield* list;
}
async function text(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
const placeSegments = days.flatMap((d) =>
  (d.segments ?? []).filter((s) => s.type === 'place' && s.place?.location),
);
const tracks = days.flatMap((d) =>
  (d.segments ?? []).flatMap((s) => (s.activities ?? []).filter((a) => (a.trackPoints ?? []).length >= 2)),
);

describe('GPX download', () => {
  it('validates against the GPX 1.1 schema and holds every place as a waypoint and every track', async () => {
    expect(tracks.length).toBeGreaterThan(3);
    const gpx = await text(
      gpxChunks(() => iterate(days), { name: 'Moves storyline', generatedAt: new Date() }),
    );
    expect(await gpxSchemaErrors(gpx)).toEqual([]);
    expect(count(gpx, /<wpt /g)).toBe(placeSegments.length);
    expect(count(gpx, /<trk>/g)).toBe(tracks.length);
    expect(count(gpx, /<trkpt /g)).toBe(tracks.reduce((n, a) => n + a.trackPoints!.length, 0));
    // Every point carries its time, in UTC.
    expect(count(gpx, /<trkpt [^>]*><time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/time><\/trkpt>/g)).toBe(
      count(gpx, /<trkpt /g),
    );
    // Names are text: escaped, the control character dropped; longitude 180 is written as -180.
    expect(gpx).toContain('<name>&lt;b&gt;Café &amp; &quot;Bar&quot;&lt;/b&gt;</name>');
    expect(gpx).toContain('<wpt lat="52.5" lon="-180"><time>2016-06-16T06:00:00Z</time>');
    expect(gpx).toContain('lon="0.00000001"');
  });

  it('the schema check can fail: a track before a waypoint is refused', async () => {
    const gpx = await text(gpxChunks(() => iterate([tricky]), { name: 'x', generatedAt: new Date() }));
    const wpt = /<wpt [\s\S]*?<\/wpt>\n/.exec(gpx)![0];
    const broken = gpx.replace(wpt, '').replace('</gpx>', `${wpt}</gpx>`);
    expect((await gpxSchemaErrors(broken)).length).toBeGreaterThan(0);
  });

  it('writes coordinates as plain decimals', () => {
    expect(decimal(1e-7)).toBe('0.0000001');
    expect(decimal(-0)).toBe('0');
    expect(decimal(50.17245925464375)).toBe('50.172459255');
  });
});

describe('GeoJSON download', () => {
  it('is a FeatureCollection with a Point per place visit and a LineString per track, with their facts', async () => {
    const doc = JSON.parse(await text(geojsonChunks(iterate(days)))) as {
      features: {
        geometry: { type: string; coordinates: number[][] };
        properties: Record<string, unknown>;
      }[];
    };
    expect(geojsonProblems(doc)).toEqual([]);
    const points = doc.features.filter((f) => f.geometry.type === 'Point');
    const lines = doc.features.filter((f) => f.geometry.type === 'LineString');
    expect(points).toHaveLength(placeSegments.length);
    expect(lines).toHaveLength(tracks.length);
    for (const l of lines) {
      expect((l.properties.coordTimes as unknown[]).length).toBe(l.geometry.coordinates.length);
      expect(l.properties.group).toMatch(/^(walking|running|cycling|transport|other)$/);
    }
    const walk = lines.find((l) => l.properties.date === '2016-06-16')!;
    expect(walk.properties).toMatchObject({ activity: 'walking', duration: 600, distance: 800, steps: 900 });
    expect(walk.properties.startTime).toBe('2016-06-16T09:00:00+02:00');
    const bar = points.find((p) => p.properties.date === '2016-06-16')!;
    expect(bar.properties.name).toBe('<b>Café & "Bar"</b>\u0001');
    expect(bar.geometry.coordinates).toEqual([-180, 52.5]);
  });

  it('the structure check can fail', () => {
    expect(
      geojsonProblems({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[1, 2]] } }],
      }),
    ).toHaveLength(2);
  });

  it('an empty range is an empty FeatureCollection', async () => {
    expect(JSON.parse(await text(geojsonChunks(iterate([empty]))))).toEqual({
      type: 'FeatureCollection',
      features: [],
    });
  });
});

describe('Moves timestamps in the downloads', () => {
  it('keep their offset (GeoJSON) or become UTC (GPX), across midnight and with Z', () => {
    expect(movesTimeIso('20160617T093531-0700')).toBe('2016-06-17T09:35:31-07:00');
    expect(movesTimeUtc('20160617T203531-0700')).toBe('2016-06-18T03:35:31Z');
    expect(movesTimeUtc('20160101T003000+0530')).toBe('2015-12-31T19:00:00Z');
    expect(movesTimeIso('20140316T094438Z')).toBe('2014-03-16T09:44:38Z');
    expect(movesTimeUtc('20140316T094438Z')).toBe('2014-03-16T09:44:38Z');
  });

  it('are left out when they are not timestamps', () => {
    for (const bad of [
      'x',
      '20161317T093531-0700',
      '20160617T253531-0700',
      '2016-06-17T09:35:31Z',
      undefined,
    ])
      expect([movesTimeIso(bad), movesTimeUtc(bad)]).toEqual([undefined, undefined]);
  });
});
