// One tolerant day reader: every field the Moves API documents as optional may be `null` (real files write null
// for empty values), and a field of the wrong type is read as absent; the rest of the day is still shown in the
// timeline, the GeoJSON and the GPX. The base days are the reference's day modelled on the 2018 recordings and a
// day of the emulator's generated storyline (with its recorded irregularities).
import { describe, expect, it } from 'vitest';
import { generateStorylineDay } from '../../emulators/moves/generator.ts';
import { dayHasData, readDay, type StoredDay } from '../../src/storyline/day.ts';
import { dayFeatures } from '../../src/storyline/geojson.ts';
import { gpxChunks } from '../../src/storyline/gpx.ts';
import { buildTimeline } from '../../src/storyline/timeline.ts';

/** The storyline day of docs/reference §3.6, modelled exactly on the real 2016–2018 recordings. */
const RECORDED = `{"date":"20160617","summary":[{"activity":"walking","group":"walking","duration":46.0,"distance":35.0,"steps":70},{"activity":"car","group":"transport","duration":101.0,"distance":1018.0}],
  "segments":[
   {"type":"place","startTime":"20160617T015148-0700","endTime":"20160617T093531-0700",
    "place":{"id":295634611,"name":"Work","type":"work","location":{"lat":50.17245925464375,"lon":8.6273515414181}},
    "activities":[{"activity":"walking","group":"walking","manual":false,"startTime":"20160617T020334-0700","endTime":"20160617T020420-0700","duration":46.0,"distance":35.0,"steps":70,"trackPoints":[]}],
    "lastUpdate":"20170412T074118Z"},
   {"type":"move","startTime":"20160617T093531-0700","endTime":"20160617T093712-0700",
    "activities":[{"activity":"car","group":"transport","manual":true,"startTime":"20160617T093531-0700","endTime":"20160617T093712-0700","duration":101.0,"distance":1018.0,
      "trackPoints":[{"lat":50.172459,"lon":8.6273515,"time":"20160617T093531-0700"},{"lat":50.177965,"lon":8.6290568,"time":"20160617T093712-0700"}]}],
    "lastUpdate":"20160617T205150Z"},
   {"type":"place","startTime":"20160617T093732-0700","endTime":"20160617T095211-0700",
    "place":{"id":295850210,"name":"RiedbergZentrum","type":"facebook","facebookPlaceId":"154124874625311","location":{"lat":50.17687,"lon":8.6292}},
    "lastUpdate":"20160617T173408Z"}],
  "lastUpdate":"20170412T074118Z"}`;

const generated = generateStorylineDay(
  { seed: 5, firstDate: '20160601', timeZone: 'Europe/Berlin' },
  '20160615',
  {
    trackPoints: true,
    now: Date.UTC(2017, 0, 1),
  },
);

type Json = Record<string, unknown>;
/** A change to a copy of a day; where it applies (every activity, every place…). */
type Variant = [name: string, change: (day: Json) => void];

const segmentsOf = (d: Json) => (d.segments as Json[] | null) ?? [];
const activitiesOf = (d: Json) => segmentsOf(d).flatMap((s) => (s.activities as Json[] | undefined) ?? []);
const placesOf = (d: Json) => segmentsOf(d).flatMap((s) => (s.place ? [s.place as Json] : []));
const setAll = (items: Json[], key: string, value: unknown) => items.forEach((i) => (i[key] = value));

/** Each optional field of the API (§4), null, one at a time; and fields of the wrong type. */
const variants = (value: unknown): Variant[] => [
  ['day lastUpdate', (d) => (d.lastUpdate = value)],
  ['day caloriesIdle', (d) => (d.caloriesIdle = value)],
  ['summary', (d) => (d.summary = value)],
  ['summary group', (d) => setAll((d.summary as Json[]) ?? [], 'group', value)],
  ['summary distance', (d) => setAll((d.summary as Json[]) ?? [], 'distance', value)],
  ['summary steps', (d) => setAll((d.summary as Json[]) ?? [], 'steps', value)],
  ['summary calories', (d) => setAll((d.summary as Json[]) ?? [], 'calories', value)],
  ['segment lastUpdate', (d) => setAll(segmentsOf(d), 'lastUpdate', value)],
  ['segment activities', (d) => setAll(segmentsOf(d), 'activities', value)],
  ['segment startTime', (d) => setAll(segmentsOf(d), 'startTime', value)],
  ['segment endTime', (d) => setAll(segmentsOf(d), 'endTime', value)],
  ['place id', (d) => setAll(placesOf(d), 'id', value)],
  ['place name', (d) => setAll(placesOf(d), 'name', value)],
  ['place type', (d) => setAll(placesOf(d), 'type', value)],
  ['place foursquareId', (d) => setAll(placesOf(d), 'foursquareId', value)],
  ['place foursquareCategoryIds', (d) => setAll(placesOf(d), 'foursquareCategoryIds', value)],
  ['place facebookPlaceId', (d) => setAll(placesOf(d), 'facebookPlaceId', value)],
  ['activity group', (d) => setAll(activitiesOf(d), 'group', value)],
  ['activity manual', (d) => setAll(activitiesOf(d), 'manual', value)],
  ['activity startTime', (d) => setAll(activitiesOf(d), 'startTime', value)],
  ['activity endTime', (d) => setAll(activitiesOf(d), 'endTime', value)],
  ['activity duration', (d) => setAll(activitiesOf(d), 'duration', value)],
  ['activity distance', (d) => setAll(activitiesOf(d), 'distance', value)],
  ['activity steps', (d) => setAll(activitiesOf(d), 'steps', value)],
  ['activity calories', (d) => setAll(activitiesOf(d), 'calories', value)],
  [
    'track point time',
    (d) => activitiesOf(d).forEach((a) => setAll((a.trackPoints as Json[]) ?? [], 'time', value)),
  ],
];

async function gpxOf(day: StoredDay): Promise<string> {
  let out = '';
  for await (const c of gpxChunks(
    async function* () {
      yield day;
    },
    { name: 'x', generatedAt: new Date(0) },
  ))
    out += c;
  return out;
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

/** What each view shows of a day: the parts a variant must leave in place. */
async function shown(day: StoredDay | undefined) {
  expect(day).toBeDefined();
  const gpx = await gpxOf(day!);
  const features = dayFeatures(day!) as { geometry: { type: string } }[];
  return {
    hasData: dayHasData(day!),
    timelineItems: buildTimeline(day!, 'Europe/Berlin').items.length,
    points: features.filter((f) => f.geometry.type === 'Point').length,
    lines: features.filter((f) => f.geometry.type !== 'Point').length,
    waypoints: count(gpx, /<wpt /g),
    tracks: count(gpx, /<trk>/g),
  };
}

describe.each([
  ['the recorded day', JSON.parse(RECORDED) as Json],
  ['a generated day', generated as unknown as Json],
])('%s read tolerantly', (_, base) => {
  const copy = () => structuredClone(base);

  it('is shown whole to begin with', async () => {
    const s = await shown(readDay(copy()));
    expect(s.hasData).toBe(true);
    expect(s.timelineItems).toBeGreaterThan(1);
    expect(s.points).toBeGreaterThan(0);
    expect(s.lines).toBeGreaterThan(0);
  });

  it.each(variants(null))('%s: null reads as absent, the rest of the day is shown', async (_, change) => {
    const whole = await shown(readDay(copy()));
    const day = copy();
    change(day);
    const s = await shown(readDay(JSON.parse(JSON.stringify(day))));
    expect(s.hasData).toBe(true);
    expect(s.timelineItems).toBe(whole.timelineItems);
    // Places keep their markers and waypoints; tracks are drawn unless their activities are gone.
    expect(s.points).toBe(whole.points);
    expect(s.waypoints).toBe(whole.waypoints);
    if (_ !== 'segment activities') {
      expect(s.lines).toBe(whole.lines);
      expect(s.tracks).toBe(whole.tracks);
    }
  });

  it.each([
    ['a string', '"12"'],
    ['1e400', '1e400'],
    ['an object', '{"x":1}'],
  ])('a field of the wrong type (%s) is ignored, the rest of the day is shown', async (_, literal) => {
    const whole = await shown(readDay(copy()));
    for (const [name, change] of variants('__WRONG__')) {
      const day = copy();
      change(day);
      const text = JSON.stringify(day).replaceAll('"__WRONG__"', literal);
      const s = await shown(readDay(JSON.parse(text)));
      expect({ name, ...s }).toMatchObject({
        name,
        hasData: true,
        timelineItems: whole.timelineItems,
        points: whole.points,
        waypoints: whole.waypoints,
      });
    }
  });

  it('null track points and a null place are left out; the rest is drawn', async () => {
    const whole = await shown(readDay(copy()));
    const day = copy();
    activitiesOf(day).forEach((a) => (a.trackPoints = null));
    const s = await shown(readDay(day));
    expect(s).toMatchObject({ hasData: true, timelineItems: whole.timelineItems, lines: 0, tracks: 0 });
    expect(s.points).toBe(whole.points);
    const noPlace = copy();
    segmentsOf(noPlace).forEach((seg) => (seg.place = null));
    expect(await shown(readDay(noPlace))).toMatchObject({ timelineItems: whole.timelineItems, points: 0 });
  });
});

it('steps as a string or 1e400 are left out of the timeline, the day still shows', () => {
  const text = RECORDED.replace('"steps":70}', '"steps":1e400}').replace(
    '"steps":70,"trackPoints"',
    '"steps":"70","trackPoints"',
  );
  expect(text).toContain('1e400');
  expect(text).toContain('"steps":"70"');
  const t = buildTimeline(readDay(JSON.parse(text))!, undefined);
  expect(t.items).toHaveLength(3);
  expect(t.items[0]).toMatchObject({ kind: 'place', name: 'Work', activities: [{ facts: '46 s, 35 m' }] });
  expect(t.totals.steps).toBe(0);
});
