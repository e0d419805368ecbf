/// <reference lib="dom" />
// The map in a real browser, for a member who agreed to background tiles from a server that cannot be reached:
// the map is fitted to the data before any tile is asked for (no whole-world zoom-2 tiles), the failure to load
// tiles is said in words, and the place labels shown neither overlap nor stick out of the map, at desktop and
// phone sizes; the map of every year fits first and says so too. Screenshots go to test-artifacts/browser/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/sandbox.ts';
import { sealSessionCookie, SESSION_COOKIE } from '../../src/web/session.ts';
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

let app: BrowserApp;
let cookieValue: string;
let tileOrigin: string;

describe.skipIf(!haveChromium)('the map in a real browser', () => {
  beforeAll(async () => {
    // Nothing listens there: every tile fails, as offline or behind a blocker.
    tileOrigin = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
    app = await startWebApp({
      MAP_TILE_URL: `${tileOrigin}/{z}/{x}/{y}.png`,
      MAP_TILE_ATTRIBUTION: 'Unreachable tiles',
    });
    const member = await insertMember(app.ctx, { withMoves: true });
    await seedGeneratedWeeks(
      app.ctx,
      member.id,
      { seed: 11, firstDate: '20160601', timeZone: 'Europe/London' },
      ['2016-W23', '2016-W24'],
    );
    await app.ctx.accounts.setMapTilesConsent(member.id, true);
    cookieValue = (await sealSessionCookie(app.ctx, member.id)).slice(SESSION_COOKIE.length + 1);
  });

  afterAll(async () => {
    await app?.close();
  });

  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`fits first, says the tiles failed and keeps labels apart and inside (${size})`, async () => {
      const { context, page, requests } = await signedInContext(app, cookieValue, { viewport });
      await page.goto(app.base + '/dashboard');
      await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.tracks) > 0);
      await page.locator('#map-tiles-status').waitFor({ state: 'visible' });
      expect(await page.locator('#map-tiles-status').innerText()).toMatch(/could not be loaded/);
      const zooms = requests
        .filter((u) => u.startsWith(tileOrigin))
        .map((u) => Number(/\/(\d+)\/\d+\/\d+\.png$/.exec(u)![1]));
      expect(zooms.length).toBeGreaterThan(0);
      expect(Math.min(...zooms)).toBeGreaterThan(5);

      await page.waitForTimeout(400); // labels are tidied after the fit's moveend
      const labels = await page.evaluate(() => {
        const box = document.getElementById('map')!.getBoundingClientRect();
        const shown = Array.from(document.querySelectorAll<HTMLElement>('.leaflet-tooltip.place-label'))
          .filter((l) => getComputedStyle(l).visibility !== 'hidden')
          .map((l) => l.getBoundingClientRect());
        const outside = shown.filter(
          (r) => r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom,
        ).length;
        let overlaps = 0;
        shown.forEach((a, i) =>
          shown.slice(i + 1).forEach((b) => {
            if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) overlaps++;
          }),
        );
        return { shown: shown.length, outside, overlaps };
      });
      await shot(page, `map-labels-${size}`);
      expect(labels.shown).toBeGreaterThan(0);
      expect(labels).toMatchObject({ outside: 0, overlaps: 0 });
      await context.close();
    });
  }

  it('the map of every year also fits first and says the tiles failed', async () => {
    const { context, page, requests } = await signedInContext(app, cookieValue, { viewport: DESKTOP });
    await page.goto(app.base + '/map');
    await page.locator('#map-tiles-status').waitFor({ state: 'visible' });
    expect(await page.locator('#map-tiles-status').innerText()).toMatch(/could not be loaded/);
    expect(await page.locator('#map-caption').innerText()).toMatch(/track points in/);
    const zooms = requests
      .filter((u) => u.startsWith(tileOrigin))
      .map((u) => Number(/\/(\d+)\/\d+\/\d+\.png$/.exec(u)![1]));
    expect(zooms.length).toBeGreaterThan(0);
    expect(Math.min(...zooms)).toBeGreaterThan(5);
    await shot(page, 'map-every-year-tiles-failed');
    await context.close();
  });
});
