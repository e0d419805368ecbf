/// <reference lib="dom" />
// The Open Humans emulator's own pages (sign-in, consent) on a phone: they fit the screen (no sideways scroll,
// the page is laid out at the phone's width rather than a 980 px desktop default) and keep their strict CSP.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { haveChromium, launchChromium, PHONE, shot } from './support.ts';

let oh: RunningOpenHumansEmulator;
let browser: Browser;

describe.skipIf(!haveChromium)('Open Humans emulator pages on a phone', () => {
  beforeAll(async () => {
    oh = await startOpenHumansEmulator({ port: 0 });
    oh.createProject({
      client_id: 'phone-client',
      client_secret: 'phone-secret',
      redirect_uri: 'http://127.0.0.1:9/complete',
      name: 'A project with a rather long name that has to wrap on a narrow screen',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await oh?.close();
  });

  it('lays the sign-in and consent pages out at the phone width, with no sideways scroll', async () => {
    // isMobile: the browser honours <meta name="viewport"> as a phone does (without it: a 980 px layout).
    const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') blocked.push(m.text());
    });
    const widths = async () =>
      page.evaluate(() => ({
        layout: window.innerWidth,
        scroll: document.documentElement.scrollWidth,
        styled: getComputedStyle(document.body).maxWidth,
      }));

    await page.goto(
      `${oh.url}/direct-sharing/projects/oauth2/authorize/?client_id=phone-client&response_type=code`,
    );
    await page.getByLabel('Username').waitFor();
    let w = await widths();
    expect(w.layout).toBe(PHONE.width);
    expect(w.scroll).toBeLessThanOrEqual(PHONE.width);
    expect(w.styled).not.toBe('none');
    await shot(page, 'openhumans-emulator-signin-phone');

    await page.getByLabel('Username').fill('phone_member');
    await page.getByRole('button', { name: 'Create and sign in' }).click();
    await page.getByRole('button', { name: 'Authorize' }).waitFor();
    w = await widths();
    expect(w.layout).toBe(PHONE.width);
    expect(w.scroll).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'openhumans-emulator-consent-phone');
    expect(blocked).toEqual([]);
    await context.close();
  });
});
