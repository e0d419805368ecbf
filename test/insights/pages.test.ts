// The history pages on the database alone: two years of the Moves emulator's generated days (with a flight and
// null fields mixed in) stored through the week store, then /years, /years/YYYY, /places, a place, /journeys and
// /map. Also the back-fill: weeks stored before week_insights existed get their summaries on the first visit.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStorylineDay } from '../../emulators/moves/generator.ts';
import { densityOf } from '../../src/insights/density.ts';
import { MemberViewCache } from '../../src/accounts/member-view-cache.ts';
import { createInsightsService, SUMMARY_VERSION } from '../../src/insights/service.ts';
import { datesOfWeek, weekOf } from '../../src/moves/weeks.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { insertMember, sessionCookie } from '../web/support.ts';

let ctx: TestContext;
let app: FastifyInstance;
let cookie: string;
let memberId: number;

const user = { seed: 77, firstDate: '20151201', timeZone: 'Europe/Berlin' };
const now = Date.UTC(2017, 6, 1);

const flightDay = {
  date: '20160610',
  summary: [{ activity: 'airplane', group: null, duration: 25800, distance: 6400000 }],
  segments: [
    {
      type: 'move',
      startTime: '20160610T092400+0100',
      endTime: '20160610T112500-0500',
      activities: [
        {
          activity: 'airplane',
          group: null,
          startTime: '20160610T092400+0100',
          endTime: '20160610T112500-0500',
          duration: 25800,
          distance: 6400000,
          trackPoints: [
            { lat: 51.47, lon: -0.45 },
            { lat: 40.64, lon: -73.78 },
          ],
        },
      ],
    },
    {
      type: 'place',
      startTime: '20160610T113000-0500',
      endTime: '20160610T235959-0500',
      place: { id: 99, name: 'Hotel <b>', type: 'foursquare', location: { lat: 40.75, lon: -73.99 } },
      activities: null,
    },
  ],
};

function weekDays(week: string): unknown[] {
  return datesOfWeek(week).map((d) =>
    d === flightDay.date ? flightDay : generateStorylineDay(user, d, { trackPoints: true, now }),
  );
}

/** Every ISO week from December 2015 to March 2017. */
function weeks(): string[] {
  const out = new Set<string>();
  for (let t = Date.UTC(2015, 11, 1); t <= Date.UTC(2017, 2, 31); t += 86_400_000)
    out.add(weekOf(new Date(t).toISOString().slice(0, 10).replace(/-/g, '')));
  return [...out];
}

beforeAll(async () => {
  ctx = await createTestContext({});
  app = await buildWebApp(ctx);
  await app.ready();
  memberId = (await insertMember(ctx, {})).id;
  for (const week of weeks()) {
    const days = weekDays(week);
    await ctx.weeks.save(memberId, {
      week,
      daysJson: JSON.stringify(days),
      dates: days.map((d) => (d as { date: string }).date),
      complete: true,
      source: 'archive',
    });
  }
  cookie = sessionCookie(app, { memberId });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { cookie, ...headers } });

describe('the history pages', () => {
  it('lists every year with its totals, and a year with its months, busiest days and longest moves', async () => {
    const years = await get('/years');
    expect(years.statusCode).toBe(200);
    for (const y of ['2015', '2016', '2017']) expect(years.body).toContain(`href="/years/${y}"`);
    const y2016 = await get('/years/2016');
    expect(y2016.statusCode).toBe(200);
    expect(y2016.body).toContain('<svg viewBox="0 0 600 220" role="img"');
    expect(y2016.body.match(/class="chart-bar"/g)).toHaveLength(24);
    expect(y2016.body).toContain('<th scope="row">June</th>');
    expect(y2016.body).toMatch(/Busiest days[\s\S]*href="\/day\/2016-\d\d-\d\d"/);
    expect(y2016.body).toMatch(
      /Longest moves[\s\S]*href="\/day\/2016-06-10">Fri, 10 Jun 2016<\/a>: airplane, 6,400 km/,
    );
    expect((await get('/years/1999')).statusCode).toBe(404);
    const abc = await get('/years/abc');
    expect(abc.statusCode, abc.body.slice(0, 300)).toBe(404);
  });

  it('ranks places and lists one place’s visits', async () => {
    const places = await get('/places');
    expect(places.statusCode).toBe(200);
    expect(places.body).toContain('Where you spent most time');
    const first = /href="(\/places\/[mg][^"]+)"/.exec(places.body)![1]!;
    const place = await get(first);
    expect(place.statusCode).toBe(200);
    expect(place.body).toMatch(/href="\/day\/20\d\d-\d\d-\d\d"/);
    const hotel = await get('/places/m99');
    expect(hotel.body).toContain('Hotel &lt;b&gt;');
    expect(hotel.body).toContain('10 Jun 2016, 11:30 (UTC−05:00)');
    expect((await get('/places/m123456')).statusCode).toBe(404);
    expect((await get('/places/%3Cscript%3E')).statusCode).toBe(404);
  });

  it('shows journeys away from home, countries per year and flights with both zones', async () => {
    const res = await get('/journeys');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('United States');
    expect(res.body).toContain('10 Jun 2016, 09:24 (UTC+01:00)');
    expect(res.body).toContain('10 Jun 2016, 11:25 (UTC−05:00)');
  });

  it('draws the map from the cell counts: every point once, a year alone, a small payload', async () => {
    const page = await get('/map?year=2016');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-src="/map/density.json?year=2016"');
    expect(page.body).not.toContain('tile.openstreetmap.org'); // no consent yet
    const all = await get('/map/density.json');
    const year = await get('/map/density.json?year=2016');
    const a = JSON.parse(all.body) as { points: number; cells: number[] };
    const y = JSON.parse(year.body) as { points: number };
    expect(y.points).toBeGreaterThan(0);
    expect(a.points).toBeGreaterThan(y.points);
    expect(all.body.length).toBeLessThan(500_000);
    expect((await app.inject({ method: 'GET', url: '/map/density.json' })).statusCode).toBe(401);
  });

  it('coarsens the grid until the cells fit, keeping every point', () => {
    const days = [
      {
        date: '20160101',
        cells: Array.from({ length: 100 }, (_, i) => [i, i, 2] as [number, number, number]),
      },
    ];
    const d = densityOf(days, undefined, 30);
    expect(d.cells.length / 3).toBeLessThanOrEqual(30);
    expect(d.points).toBe(200);
  });
});

describe('the history pages in the member’s units and clock', () => {
  const pages = ['/years', '/years/2016', '/places', '/journeys'];
  const metric = /\d (km|m)\b/;
  const imperial = /\d (mi|ft)\b/;
  afterAll(() => ctx.accounts.setPreferences(memberId, { units: null, weekStart: null, clock: null }));

  it('writes miles for an imperial member: totals, chart axes, the screen-reader table, flights, distances in text', async () => {
    await ctx.accounts.setPreferences(memberId, { units: 'imperial', weekStart: null, clock: '12h' });
    for (const url of pages) {
      const body = (await get(url)).body;
      expect(body, url).toMatch(imperial);
      expect(body, url).not.toMatch(metric);
    }
    const years = (await get('/years')).body;
    expect(years).toMatch(/<tfoot>[\s\S]*?<td>[\d,.]+ mi<\/td>/);
    expect(years).toContain('Distances are in miles');
    const year = (await get('/years/2016')).body;
    expect(year).toMatch(/class="chart-axis">max [\d,.]+ mi<\/text>/);
    expect(year).toMatch(/<title>Jun: [\d,.]+ mi<\/title>/);
    expect(year).toMatch(/<th scope="row">June<\/th><td>[\d,.]+ mi<\/td>/);
    expect(year).toContain('airplane, 3,977 mi');
    expect((await get('/places')).body).toContain('a spot of about 164 ft');
    const journeys = (await get('/journeys')).body;
    expect(journeys).toContain('more than 31.1 mi from');
    expect(journeys).toContain('10 Jun 2016, 9:24 am (UTC+01:00)');
    expect(journeys).toContain('10 Jun 2016, 11:25 am (UTC−05:00)');
    expect((await get('/places/m99')).body).toContain('10 Jun 2016, 11:30 am (UTC−05:00)');
  });

  it('takes miles from an American browser, and km once the member chooses metric', async () => {
    await ctx.accounts.setPreferences(memberId, { units: null, weekStart: null, clock: null });
    const us = { 'accept-language': 'en-US,en;q=0.8' };
    expect((await get('/years/2016', us)).body).toContain('airplane, 3,977 mi');
    await ctx.accounts.setPreferences(memberId, { units: 'metric', weekStart: null, clock: '24h' });
    for (const url of pages) {
      const body = (await get(url, us)).body;
      expect(body, url).toMatch(metric);
      expect(body, url).not.toMatch(imperial);
    }
    expect((await get('/years/2016', us)).body).toMatch(/class="chart-axis">max [\d,.]+ km<\/text>/);
    expect((await get('/journeys', us)).body).toContain('10 Jun 2016, 09:24 (UTC+01:00)');
  });
});

describe('the back-fill of weeks stored before the summaries', () => {
  it('summarises the weeks without current summaries on the first visit, and every week only once', async () => {
    const sql = ctx.database.sql;
    const count = async () =>
      Number(
        (
          (await sql.query(
            `select count(*)::int as n from week_insights where member_id = $1 and version = $2`,
            [memberId, SUMMARY_VERSION],
          )) as { rows: { n: number }[] }
        ).rows[0]!.n,
      );
    const stored = (await ctx.weeks.list(memberId)).length;
    expect(await count()).toBe(stored);
    const page = async () => (await get('/years/2016')).body.replace(/name="_csrf" value="[^"]*"/g, '');
    const before = await page();
    // As after migration 0008: no summaries at all, and one row of an older version; plus a week stored as
    // plain text before migration 0007.
    await sql.query(`delete from week_insights where member_id = $1 and week <> '2016-W10'`, [memberId]);
    await sql.query(`update week_insights set version = 0 where member_id = $1`, [memberId]);
    await sql.query(
      `insert into stored_weeks (member_id, week, days_json, day_count, bytes, complete) values ($1, '2017-W20', $2, 7, 10, true)`,
      [memberId, JSON.stringify(weekDays('2017-W20'))],
    );
    expect(await count()).toBe(0);
    // This process already knows the member's weeks are summarised: the new release's process starts afresh.
    expect(await ctx.insights.fill(memberId)).toBe(0);
    const next = createInsightsService({ ...ctx, memberViews: new MemberViewCache(1000) });
    expect(await next.fill(memberId)).toBe(stored + 1);
    expect(await count()).toBe(stored + 1);
    expect(await next.fill(memberId)).toBe(0);
    expect(await page()).toBe(before);
    expect((await get('/years/2017')).body).toContain('May');
  });

  it('removes a week’s summaries with the week', async () => {
    await ctx.weeks.remove(memberId);
    const { rows } = (await ctx.database.sql.query(`select count(*)::int as n from week_insights`)) as {
      rows: { n: number }[];
    };
    expect(rows[0]!.n).toBe(0);
  });
});
