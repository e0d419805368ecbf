/// <reference lib="dom" />
// Names from Moves are data, never markup: a member whose every place and activity is called
// `<img src=x onerror=…>` (and whose sync error and activity trail say so too) sees the text on the dashboard
// map, the day view, the history and the admin page; no such element is created, no request for it is made.
// Real Chromium via playwright-core; screenshots go to test-artifacts/browser/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyNameOverrides } from '../../emulators/moves/name-overrides.ts';
import { sealSessionCookie, SESSION_COOKIE } from '../../src/web/session.ts';
import { insertMember } from '../web/support.ts';
import {
  DESKTOP,
  haveChromium,
  seedGeneratedWeeks,
  shot,
  signedInContext,
  startWebApp,
  type BrowserApp,
} from './support.ts';

const PLACE = `<img src=x onerror="document.title='pwned-place'">Café`;
const ACTIVITY = `<b onmouseover="document.title='pwned-activity'">walking</b>`;
const ERROR = `<img src=x onerror="document.title='pwned-error'"> Moves said no`;
const ADMIN_OH_ID = '31415926';
const WEEKS = ['2016-W23', '2016-W24'];
const DAY = '2016-06-14';

let app: BrowserApp;
let cookieValue: string;

/** Opens a page signed in, hovers every map shape (tooltips are made on hover) and reports what it found. */
async function visit(url: string, name: string) {
  const { context, page, requests } = await signedInContext(app, cookieValue, { viewport: DESKTOP });
  await page.goto(app.base + url);
  const hasMap = (await page.locator('#map').count()) > 0;
  if (hasMap) {
    await page.waitForFunction(
      () => Number(document.getElementById('map')?.getAttribute('data-tracks') ?? '0') > 0,
    );
    // A track's tooltip exists only while it is hovered or its entry in the text list has focus.
    const move = page.locator('#map-list button', { hasText: /^Move: / }).first();
    if ((await move.count()) > 0) {
      await page.getByText('The places and moves on this map, as a list').click();
      await move.focus();
    }
  }
  await page.waitForTimeout(300);
  await shot(page, name);
  const found = await page.evaluate(() => ({
    injected: document.querySelectorAll('img[src="x"], b[onmouseover]').length,
    title: document.title,
    text: document.body.innerText,
    tooltips: [...document.querySelectorAll('.leaflet-tooltip')].map((t) => t.textContent ?? ''),
    list: document.getElementById('map-list')?.textContent ?? '',
  }));
  await context.close();
  return { ...found, hasMap, imageRequests: requests.filter((u) => /\/x(\?|$)/.test(u)) };
}

describe.skipIf(!haveChromium)('hostile names from Moves', () => {
  beforeAll(async () => {
    app = await startWebApp({ ADMIN_MEMBER_IDS: ADMIN_OH_ID });
    const { ctx } = app;
    const member = await insertMember(ctx, { withMoves: true, ohMemberId: ADMIN_OH_ID });
    await seedGeneratedWeeks(
      ctx,
      member.id,
      { seed: 77, firstDate: '20160601', timeZone: 'UTC' },
      WEEKS,
      (day) => applyNameOverrides(day, { placeName: PLACE, activity: ACTIVITY }),
    );
    // Upstream text that reaches the status line, the activity trail and the admin page.
    await ctx.syncState.update(member.id, { status: 'error', lastError: ERROR, lastErrorAt: new Date() });
    await ctx.syncState.recordEvent(member.id, 'error', ERROR);
    cookieValue = (await sealSessionCookie(ctx, member.id)).slice(SESSION_COOKIE.length + 1);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows them as text on the dashboard map, its status and its activity trail', async () => {
    const r = await visit('/dashboard', '40-hostile-dashboard');
    expect(r.hasMap).toBe(true);
    expect(r.injected).toBe(0);
    expect(r.imageRequests).toEqual([]);
    expect(r.title).not.toMatch(/pwned/);
    expect(r.tooltips.some((t) => t.includes('<img src=x'))).toBe(true);
    expect(r.tooltips.some((t) => t.includes('<b onmouseover'))).toBe(true);
    expect(r.list).toContain(`Move: ${ACTIVITY}`);
    expect(r.text).toContain('<img src=x onerror="document.title=\'pwned-error\'"> Moves said no');
  });

  it('shows them as text in the day view', async () => {
    const r = await visit(`/day/${DAY}`, '41-hostile-day');
    expect(r.injected).toBe(0);
    expect(r.imageRequests).toEqual([]);
    expect(r.title).not.toMatch(/pwned/);
    expect(r.text).toContain('<img src=x');
  });

  it('shows them as text on the history and admin pages', async () => {
    for (const [page, name] of [
      ['/history', '42-hostile-history'],
      ['/admin', '43-hostile-admin'],
    ] as const) {
      const r = await visit(page, name);
      expect(r.injected, page).toBe(0);
      expect(r.imageRequests, page).toEqual([]);
      expect(r.title, page).not.toMatch(/pwned/);
      if (page === '/admin') expect(r.text).toContain('Moves said no');
    }
  });
});
