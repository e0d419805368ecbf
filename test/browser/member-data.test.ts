/// <reference lib="dom" />
// The member's own data in a real browser (Debian Chromium via playwright-core): calendar → day view → GPX and
// GeoJSON downloads (validated) → the map's keyboard use, labels and text list → consent to the background map,
// with every request recorded (nothing goes to the tile server before consent; the tile server is a local fake
// named by MAP_TILE_URL, so nothing leaves the machine) → the phone history page without sideways scrolling.
// A member with three weeks of the Moves emulator's generated storyline is seeded directly (no import needed).
// Screenshots at desktop and phone sizes go to test-artifacts/browser/.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { movesAccounts } from '../../src/db/schema.ts';
import { sealSessionCookie, SESSION_COOKIE } from '../../src/web/session.ts';
import { geojsonProblems, gpxSchemaErrors } from '../support/geo-formats.ts';
import { insertMember } from '../web/support.ts';
import {
  DESKTOP,
  haveChromium,
  PHONE,
  seedGeneratedWeeks,
  shot,
  signedInContext,
  startWebApp,
  type BrowserApp,
} from './support.ts';

const WEEKS = ['2016-W23', '2016-W24', '2016-W25'];
const DAY = '2016-06-14';

let tileServer: http.Server;
let tileOrigin: string;
const tileHits: string[] = [];
let app: BrowserApp;
let ctx: AppContext;
let base: string;
let cookieValue: string;

/** A stand-in tile server: every tile is a light SVG square with its z/x/y, and every request is counted. */
async function startTileServer(): Promise<void> {
  tileServer = http.createServer((req, res) => {
    tileHits.push(req.url ?? '');
    const label = (req.url ?? '').replace(/\.png$/, '');
    res.writeHead(200, { 'content-type': 'image/svg+xml', 'access-control-allow-origin': '*' });
    res.end(
      `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#e8eee4" stroke="#c9d3c4"/><text x="8" y="20" font-size="12" fill="#8a9685">${label}</text></svg>`,
    );
  });
  await new Promise<void>((resolve) => tileServer.listen(0, '127.0.0.1', resolve));
  tileOrigin = `http://127.0.0.1:${(tileServer.address() as AddressInfo).port}`;
}

/** A signed-in browser context at a size; `requests` collects every URL it asks for. */
async function signedIn(viewport: { width: number; height: number }, touch = false) {
  const { context, page, requests } = await signedInContext(app, cookieValue, {
    viewport,
    acceptDownloads: true,
    touch,
  });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  return { context, page, requests, problems };
}

const mapReady = (page: Page) =>
  page.waitForFunction(() => Number(document.getElementById('map')?.getAttribute('data-tracks') ?? '0') > 0);

describe.skipIf(!haveChromium)('the member’s data in a browser', () => {
  beforeAll(async () => {
    await startTileServer();
    app = await startWebApp({
      MAP_TILE_URL: `${tileOrigin}/{z}/{x}/{y}.png`,
      MAP_TILE_ATTRIBUTION: 'Test tiles (local)',
    });
    ({ ctx, base } = app);
    const member = await insertMember(ctx, { withMoves: true });
    await ctx.db
      .update(movesAccounts)
      .set({ timeZone: 'Europe/Berlin' })
      .where(eq(movesAccounts.memberId, member.id));
    await seedGeneratedWeeks(
      ctx,
      member.id,
      { seed: 31, firstDate: '20160601', timeZone: 'Europe/Berlin' },
      WEEKS,
    );
    cookieValue = (await sealSessionCookie(ctx, member.id)).slice(SESSION_COOKIE.length + 1);
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => tileServer?.close(resolve));
  });

  it('calendar → day view → downloads → map by keyboard → background map only after consent', async () => {
    const { context, page, requests, problems } = await signedIn(DESKTOP);

    await page.goto(base + '/history');
    await shot(page, '30-history-desktop');
    // The calendar is one Tab stop (the newest day); arrow keys move between days with data.
    const calendarStops = await page
      .locator('.by-month table.calendar a')
      .evaluateAll((els) =>
        els.filter((e) => (e as HTMLElement).tabIndex >= 0).map((e) => e.getAttribute('href')),
      );
    expect(calendarStops).toEqual(['/day/2016-06-26']);
    await page.locator('.by-month a[href="/day/2016-06-26"]').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/day/2016-06-25');
    await page.keyboard.press('Home');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/day/2016-06-06');
    await page.locator(`.by-month a[href="/day/${DAY}"]`).click();
    await page.waitForURL(`${base}/day/${DAY}`);
    await page.getByRole('heading', { name: 'Tuesday, 14 June 2016' }).waitFor();
    await expect(page.getByText('Times are in Europe/Berlin').isVisible()).resolves.toBe(true);
    await expect(page.locator('.timeline > li').count()).resolves.toBeGreaterThan(2);
    await mapReady(page);

    // Context on the map: a legend of the activities drawn, labels for named places, a scale bar.
    await expect(page.locator('#map-legend li:not([hidden])').count()).resolves.toBeGreaterThan(1);
    await expect(page.locator('.leaflet-tooltip.place-label').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('.leaflet-control-scale-line').first().isVisible()).resolves.toBe(true);

    // One Tab stop: nothing inside the map is in the Tab order; the map itself is, and keys pan and zoom it.
    const tabbable = await page
      .locator('#map a[href], #map button, #map [tabindex]')
      .evaluateAll((els) => els.filter((e) => (e as HTMLElement).tabIndex >= 0).length);
    expect(tabbable).toBe(0);
    await expect(page.locator('#map').getAttribute('tabindex')).resolves.toBe('0');
    const pane = page.locator('.leaflet-map-pane');
    const before = await pane.evaluate((el) => getComputedStyle(el).transform);
    await page.locator('#map').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(400);
    expect(await pane.evaluate((el) => getComputedStyle(el).transform)).not.toBe(before);
    const scale = page.locator('.leaflet-control-scale-line').first();
    const scaleBefore = await scale.innerText();
    await page.keyboard.press('-');
    await page.waitForFunction(
      (s) => document.querySelector('.leaflet-control-scale-line')?.textContent !== s,
      scaleBefore,
    );

    // The text list: a focused entry shows its label on the map.
    await page.getByText('The places and moves on this map, as a list').click();
    const tooltipsBefore = await page.locator('.leaflet-tooltip').count();
    await page
      .locator('#map-list button', { hasText: /^Move: / })
      .first()
      .focus();
    await page.waitForFunction(
      (n) => document.querySelectorAll('.leaflet-tooltip').length > n,
      tooltipsBefore,
    );
    await shot(page, '31-day-desktop');

    // Downloads of the day: GPX that validates against the GPX 1.1 schema, GeoJSON that is well formed.
    const [gpx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^GPX/ }).click(),
    ]);
    expect(gpx.suggestedFilename()).toBe(`moves-${DAY}.gpx`);
    const gpxText = fs.readFileSync((await gpx.path())!, 'utf8');
    expect(await gpxSchemaErrors(gpxText)).toEqual([]);
    expect(gpxText).toContain('<trkpt ');
    const [geo] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^GeoJSON/ }).click(),
    ]);
    const doc = JSON.parse(fs.readFileSync((await geo.path())!, 'utf8')) as { features: unknown[] };
    expect(geojsonProblems(doc)).toEqual([]);
    expect(doc.features.length).toBeGreaterThan(0);

    // A range from the history page.
    await page.goto(base + '/history');
    await page.getByLabel('From').fill('2016-06-06');
    await page.getByLabel('To').fill('2016-06-19');
    await page.getByLabel('GeoJSON').check();
    const [range] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download' }).click(),
    ]);
    expect(range.suggestedFilename()).toBe('moves-2016-06-06_2016-06-19.geojson');
    expect(geojsonProblems(JSON.parse(fs.readFileSync((await range.path())!, 'utf8')))).toEqual([]);

    // Before consent, the tile server has not been contacted, and nothing outside this app was requested.
    expect(tileHits).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(base))).toEqual([]);

    // Consent: the question names the server; afterwards tiles load from it (and only from it).
    await page.goto(`${base}/day/${DAY}`);
    const provider = tileOrigin.replace('http://', '');
    await page.getByRole('button', { name: `Show a background map from ${provider}` }).click();
    await page.waitForURL(`${base}/day/${DAY}#map-title`);
    await page.waitForFunction(() => document.querySelectorAll('.leaflet-tile-loaded').length > 0);
    expect(tileHits.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(base) && !u.startsWith(tileOrigin))).toEqual([]);
    await expect(page.getByRole('link', { name: 'Test tiles (local)' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('#map .map-credit').innerText()).resolves.toBe('Test tiles (local)');
    // Still one Tab stop with the background on: the credit in the map is text, its link is under the map.
    const tabbableAfter = await page
      .locator('#map a[href], #map button, #map [tabindex]')
      .evaluateAll((els) => els.filter((e) => (e as HTMLElement).tabIndex >= 0).length);
    expect(tabbableAfter).toBe(0);
    await mapReady(page);
    await shot(page, '32-day-background-desktop');

    await page.goto(base + '/dashboard');
    await mapReady(page);
    await page.waitForFunction(() => document.querySelectorAll('.leaflet-tile-loaded').length > 0);
    await shot(page, '33-dashboard-map-desktop');

    expect(problems).toEqual([]);
    await context.close();
  });

  it('on a phone: the history page does not scroll sideways, the day view fits, the choice is remembered', async () => {
    const { context, page, problems } = await signedIn(PHONE, true);
    await page.goto(base + '/history');
    await shot(page, '34-history-phone');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE.width);
    // The phone calendar has a column per month and fits without its own scrolling; its days open day views.
    await expect(page.locator('.by-month').isVisible()).resolves.toBe(false);
    const box = page.locator('.by-day').first();
    expect(await box.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const target = await box.locator(`a[href="/day/${DAY}"]`).boundingBox();
    expect(target!.width).toBeGreaterThanOrEqual(20);

    await page.goto(`${base}/day/${DAY}`);
    await mapReady(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await expect(page.getByRole('button', { name: 'Turn the background map off' }).isVisible()).resolves.toBe(
      true,
    );
    // A tap on a track opens its label (tooltips are not for the mouse only).
    const moveLabels = page.locator('.leaflet-tooltip:not(.place-label)');
    await expect(moveLabels.count()).resolves.toBe(0);
    // The middle of the longest track on screen (a short one can hide under a place dot).
    // (A tap ends in a click on the shape; the click is sent to the shape itself, since hit-testing a thin SVG
    // stroke from page coordinates is fragile.)
    await page
      .locator('#map path.leaflet-interactive:not([stroke-dasharray])')
      .first()
      .dispatchEvent('click');
    await moveLabels.first().waitFor();
    await expect(moveLabels.first().innerText()).resolves.toMatch(/, Tue 14 Jun$/);
    await shot(page, '35-day-phone');

    await page.goto(`${base}/day/2016-06-05`);
    await shot(page, '36-day-before-history-phone');
    await page.goto(base + '/dashboard');
    await mapReady(page);
    await shot(page, '37-dashboard-phone');
    expect(problems).toEqual([]);
    await context.close();
  });
});
