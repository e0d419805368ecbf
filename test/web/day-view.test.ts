// The day view, the GPX/GeoJSON downloads and the background-map consent, on the database alone: stored weeks
// in, pages and files out. The days are the Moves emulator's own generated storyline, plus hand-made edge cases.
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStorylineDay } from '../../emulators/moves/generator.ts';
import { movesAccounts } from '../../src/db/schema.ts';
import { datesOfWeek } from '../../src/moves/weeks.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { geojsonProblems, gpxSchemaErrors } from '../support/geo-formats.ts';
import { insertMember, pageToken, sessionCookie } from './support.ts';

let ctx: TestContext;
let app: FastifyInstance;
let cookie: string;

const user = { seed: 4242, firstDate: '20160601', timeZone: 'Europe/Berlin' };

/** A day recorded while the member's Moves zone was Los Angeles (offsets -0700), with a name that tries markup. */
const laDay = {
  date: '20160622',
  summary: [{ activity: 'walking', group: 'walking', duration: 46.0, distance: 35.0, steps: 70 }],
  segments: [
    {
      type: 'place',
      startTime: '20160621T230000-0700',
      endTime: '20160622T093531-0700',
      place: {
        id: 1,
        name: '<img src=x onerror=alert(1)>',
        type: 'user',
        location: { lat: 50.17, lon: 8.62 },
      },
      activities: [
        {
          activity: 'walking',
          group: 'walking',
          startTime: '20160622T020334-0700',
          endTime: '20160622T020420-0700',
          duration: 46.0,
          distance: 35.0,
          steps: 70,
          trackPoints: [],
        },
      ],
    },
  ],
};

beforeAll(async () => {
  ctx = await createTestContext({});
  app = await buildWebApp(ctx);
  await app.ready();
  const m = await insertMember(ctx, { withMoves: true });
  await ctx.db
    .update(movesAccounts)
    .set({ timeZone: 'Europe/Berlin' })
    .where(eq(movesAccounts.memberId, m.id));
  const now = Date.UTC(2017, 0, 1);
  const w24 = datesOfWeek('2016-W24').map((d) =>
    d === '20160619'
      ? { date: d, summary: null, segments: null }
      : generateStorylineDay(user, d, { trackPoints: true, now }),
  );
  const w25 = [laDay];
  for (const [week, days] of [
    ['2016-W24', w24],
    ['2016-W25', w25],
  ] as const)
    await storeWeek(m.id, week, days, 'moves');
  cookie = sessionCookie(app, { memberId: m.id });
});

/** Stores the days as one complete week of the member's, through the week store. */
async function storeWeek(
  memberId: number,
  week: string,
  days: readonly { date: string }[],
  source: 'moves' | 'archive',
): Promise<void> {
  await ctx.weeks.save(memberId, {
    week,
    daysJson: JSON.stringify(days),
    dates: days.map((d) => d.date),
    complete: true,
    source,
  });
}

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

const get = (url: string, c = cookie) => app.inject({ method: 'GET', url, headers: { cookie: c } });

describe('the day view', () => {
  it('shows the timeline in the member’s zone, with names as text, and links to the days around it', async () => {
    const res = await get('/day/2016-06-22');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Wednesday, 22 June 2016');
    expect(res.body).toContain('Times are in Europe/Berlin');
    // 23:00 -0700 the evening before is 08:00 Berlin on the 22nd; 09:35:31 -0700 is 18:35 Berlin.
    expect(res.body).toContain('08:00 to 18:35');
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(res.body).not.toContain('<img src=x');
    expect(res.body).toContain('walking, 11:03 to 11:04: 46 s, 35 m, 70 steps');
    expect(res.body).toContain('href="/day/2016-06-21" rel="prev"');
    expect(res.body).not.toContain('rel="next"'); // the newest stored day
    expect(res.body).toContain('/export?format=gpx&amp;from=2016-06-22&amp;to=2016-06-22');
  });

  it('says so for a day Moves recorded nothing on, and for a day outside the stored history', async () => {
    const empty = await get('/day/2016-06-19');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('Moves recorded nothing on this day');
    const outside = await get('/day/2015-01-01');
    expect(outside.body).toContain('Nothing is stored for this day');
  });

  it('refuses malformed and impossible dates, and anonymous visitors', async () => {
    expect((await get('/day/2016-6-1')).statusCode).toBe(400);
    const impossible = await get('/day/2016-02-30');
    expect(impossible.statusCode).toBe(404);
    expect(impossible.body).toContain('is not a date in the calendar');
    const anon = await app.inject({ method: 'GET', url: '/day/2016-06-22' });
    expect(anon.statusCode).toBe(303);
  });

  it('its map data holds that day only', async () => {
    const map = (await get('/day/2016-06-14/map.json')).json();
    expect(map.from).toBe('20160614');
    expect(map.to).toBe('20160614');
    expect(map.tracks.length).toBeGreaterThan(0);
    expect(map.tracks.every((t: { date: string }) => t.date === '20160614')).toBe(true);
  });

  it('the calendar links every day with data to its day view', async () => {
    const res = await get('/history');
    expect(res.body).toContain('href="/day/2016-06-14"');
    expect(res.body).not.toContain('href="/day/2016-06-19"'); // no data that day
    expect(res.body).toContain('min="2016-06-13" max="2016-06-22"');
  });
});

describe('downloads', () => {
  it('a date range as GPX 1.1 that validates, named for the range', async () => {
    const res = await get('/export?format=gpx&from=2016-06-13&to=2016-06-22');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/gpx+xml; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="moves-2016-06-13_2016-06-22.gpx"');
    expect(await gpxSchemaErrors(res.body)).toEqual([]);
    expect(res.body).toContain('<name>&lt;img src=x onerror=alert(1)&gt;</name>');
    expect((res.body.match(/<trk>/g) ?? []).length).toBeGreaterThan(5);
  });

  it('one day as GeoJSON with only that day’s features', async () => {
    const res = await get('/export?format=geojson&from=2016-06-14&to=2016-06-14');
    expect(res.headers['content-type']).toBe('application/geo+json; charset=utf-8');
    const doc = res.json();
    expect(geojsonProblems(doc)).toEqual([]);
    expect(doc.features.length).toBeGreaterThan(0);
    expect(
      doc.features.every((f: { properties: { date: string } }) => f.properties.date === '2016-06-14'),
    ).toBe(true);
  });

  it('refuses a backwards range, a bad format and anonymous visitors', async () => {
    const back = await get('/export?format=gpx&from=2016-06-22&to=2016-06-13');
    expect(back.statusCode).toBe(400);
    expect(back.body).toContain('Those dates do not make a range');
    expect((await get('/export?format=kml&from=2016-06-13&to=2016-06-13')).statusCode).toBe(400);
    expect(
      (await app.inject({ method: 'GET', url: '/export?format=gpx&from=2016-06-13&to=2016-06-13' }))
        .statusCode,
    ).toBe(303);
  });
});

describe('the background map', () => {
  const imgSrc = (csp: unknown) => /img-src ([^;]*)/.exec(String(csp))![1];

  it('loads nothing external before consent, then allows the tile server on map pages only', async () => {
    const before = await get('/dashboard');
    expect(imgSrc(before.headers['content-security-policy'])).toBe("'self' data:");
    expect(before.body).toContain('Show a background map from OpenStreetMap');
    expect(before.body).toContain('data-tiles=""');

    const { token, cookie: c } = await pageToken(app, '/dashboard', cookie);
    const yes = await app.inject({
      method: 'POST',
      url: '/map/background',
      headers: { cookie: c },
      payload: { _csrf: token, show: 'yes', back: '/day/2016-06-14' },
    });
    expect(yes.statusCode).toBe(303);
    expect(yes.headers.location).toBe('/day/2016-06-14#map-title');

    const day = await get('/day/2016-06-14', c);
    expect(imgSrc(day.headers['content-security-policy'])).toBe(
      "'self' data: https://tile.openstreetmap.org",
    );
    expect(day.body).toContain('data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"');
    expect(day.body).toContain('Turn the background map off');
    const history = await get('/history', c);
    expect(imgSrc(history.headers['content-security-policy'])).toBe("'self' data:");

    const off = await app.inject({
      method: 'POST',
      url: '/map/background',
      headers: { cookie: c },
      payload: { _csrf: token, show: 'no', back: 'https://elsewhere.example/' },
    });
    expect(off.headers.location).toBe('/dashboard#map-title');
    expect(imgSrc((await get('/dashboard', c)).headers['content-security-policy'])).toBe("'self' data:");
  });

  it('needs the form token', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/map/background',
      headers: { cookie },
      payload: { show: 'yes' },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('a published day with null or wrongly typed optional fields', () => {
  it('is shown like any other day: day view, map, GPX and GeoJSON, range downloads, calendar', async () => {
    const m = await insertMember(ctx, {});
    const c = sessionCookie(app, { memberId: m.id });
    // Moves writes null for empty values; one field of the wrong type must not hide the day either.
    const day = structuredClone(laDay) as unknown as {
      date: string;
      summary: Record<string, unknown>[];
      segments: { activities: Record<string, unknown>[]; place: Record<string, unknown> }[];
    };
    day.summary[0]!.group = null;
    day.segments[0]!.activities[0]!.group = null;
    day.segments[0]!.activities[0]!.steps = 'seventy';
    day.segments[0]!.activities[0]!.trackPoints = [
      { lat: 50.17, lon: 8.62, time: '20160622T020334-0700' },
      { lat: 50.18, lon: 8.63, time: null },
    ];
    day.segments[0]!.place.foursquareId = null;
    await storeWeek(m.id, '2016-W25', [day], 'archive');
    const view = await get('/day/2016-06-22', c);
    expect(view.body).not.toContain('Moves recorded nothing');
    expect(view.body).toContain('walking, 02:03 to 02:04: 46 s, 35 m');
    const map = (await get('/day/2016-06-22/map.json', c)).json();
    expect(map.tracks.length).toBe(1);
    const gpx = (await get('/export?format=gpx&from=2016-06-20&to=2016-06-22', c)).body;
    expect(gpx).toContain('<trk>');
    expect(gpx).toContain('<wpt ');
    const geo = (await get('/export?format=geojson&from=2016-06-22&to=2016-06-22', c)).json();
    expect(geo.features.length).toBe(2);
    expect((await get('/history', c)).body).toContain('href="/day/2016-06-22"');
  });
});

describe('a long name', () => {
  it('is kept whole in the downloads and shortened on the page and the map', async () => {
    const m = await insertMember(ctx, {});
    const c = sessionCookie(app, { memberId: m.id });
    const name = `Long ${'n'.repeat(2995)}`;
    const day = structuredClone(laDay);
    day.segments[0]!.place.name = name;
    await storeWeek(m.id, '2016-W25', [day], 'archive');
    const view = await get('/day/2016-06-22', c);
    expect(view.body).toContain(`${name.slice(0, 200)}…`);
    expect(view.body).not.toContain(name);
    const map = (await get('/day/2016-06-22/map.json', c)).json();
    expect(map.places.map((p: { name: string }) => p.name)).toEqual([`${name.slice(0, 200)}…`]);
    const geo = (await get('/export?format=geojson&from=2016-06-22&to=2016-06-22', c)).json();
    expect(JSON.stringify(geo)).toContain(name);
  });
});
