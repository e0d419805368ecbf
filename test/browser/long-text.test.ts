/// <reference lib="dom" />
// Long text from members' files never widens a page: a 1,000-character place name on the day page at desktop
// size, and a failed import whose message holds a long unbroken word on the dashboard and the import page at
// phone size. The failure is shown as a problem (the error box), not as bold text alone. Real Chromium;
// screenshots go to test-artifacts/browser/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const LONG_NAME = 'Ü'.repeat(1000);
const LONG_WORD = 'x'.repeat(400);

let app: BrowserApp;
let cookieValue: string;

async function pageWidth(url: string, viewport: { width: number; height: number }, name: string) {
  const { context, page } = await signedInContext(app, cookieValue, { viewport });
  await page.goto(app.base + url);
  await page.waitForTimeout(300); // the map refits 200 ms after its first layout
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  await shot(page, name);
  return { context, page, width };
}

describe.skipIf(!haveChromium)('long text in a real browser', () => {
  beforeAll(async () => {
    app = await startWebApp();
    const member = await insertMember(app.ctx);
    await seedGeneratedWeeks(
      app.ctx,
      member.id,
      { seed: 7, firstDate: '20160601', timeZone: 'Europe/London' },
      ['2016-W23'],
      (day) => {
        for (const seg of day.segments ?? []) if (seg.place) seg.place.name = LONG_NAME;
        return day;
      },
    );
    const slot = await app.ctx.imports.reserve(
      member.id,
      { path: '/nonexistent', bytes: 10 },
      { concurrent: 1, diskBytes: 1_000 },
    );
    if (!slot.ok) throw new Error('no upload slot for the test');
    const id = slot.id;
    await app.ctx.imports.received(id, { fileName: `moves_export_${LONG_WORD}.zip`, bytes: 10 });
    await app.ctx.imports.update(id, {
      status: 'failed',
      error: `the archive entry ${LONG_WORD} is not a zip`,
      finishedAt: new Date(),
    });
    cookieValue = (await sealSessionCookie(app.ctx, member.id)).slice(SESSION_COOKIE.length + 1);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('keeps the day page as wide as the window with a 1,000-character name', async () => {
    const { context, width } = await pageWidth('/day/2016-06-08', DESKTOP, 'long-name-day-desktop');
    expect(width).toBeLessThanOrEqual(DESKTOP.width);
    await context.close();
  });

  it('keeps a failed import with a long word inside the phone and styles it as a problem', async () => {
    for (const url of ['/dashboard', '/import']) {
      const name = `long-failure${url.replace('/', '-')}-phone`;
      const { context, page, width } = await pageWidth(url, PHONE, name);
      expect(width, url).toBeLessThanOrEqual(PHONE.width);
      const style = await page.evaluate(() => {
        const el = document.getElementById('import-words')!;
        const s = getComputedStyle(el);
        return { border: s.borderLeftStyle, text: el.textContent ?? '' };
      });
      expect(style.text).toMatch(/failed/);
      expect(style.border, url).toBe('solid');
      await context.close();
    }
  });
});
