/// <reference lib="dom" />
// The whole member journey in a real browser (Debian Chromium via playwright-core) against the in-process
// sandbox: both emulators and the app on free ports, a private test database, a fast time scale.
// Screenshots go to test-artifacts/browser/.
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox.ts';
import {
  completeOhFiles,
  haveChromium,
  shot,
  signUpOnOpenHumans,
  startSandboxedApp,
  type SandboxedBrowserApp,
} from './support.ts';

let app: SandboxedBrowserApp;
let sandbox: Sandbox;
let browser: Browser;
let base: string;

async function newPage(
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

const ohFiles = (projectMemberId: string) => completeOhFiles(sandbox, projectMemberId);

/** Signs in on the Open Humans emulator as a new member; stops on the consent page. */
async function openHumansSignIn(page: Page, username: string) {
  await page.goto(base + '/');
  await signUpOnOpenHumans(page, sandbox, username);
}

describe.skipIf(!haveChromium)('member journey in a browser', () => {
  beforeAll(async () => {
    // One emulated minute per second: rate-limit waits and token lifetimes shrink, dates do not.
    app = await startSandboxedApp({ MOVES_TIME_SCALE: '60', MANUAL_UPDATE_COOLDOWN_MINUTES: '60' });
    ({ sandbox, browser, base } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('walks a newcomer from sign-in to live progress, map, update cooldown, download, disconnect and log out', async () => {
    const { context, page } = await newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    page.on('console', (m) => {
      // The refused "Update now" page is a 429 by design; anything else failing to load is a bug.
      if (m.type() === 'error' && !/status of 429/.test(m.text())) scriptErrors.push(m.text());
    });

    await page.goto(base + '/');
    await expect(page.getByText('Sandbox.', { exact: false }).first().isVisible()).resolves.toBe(true);
    await shot(page, '01-start');

    await openHumansSignIn(page, 'newcomer');
    await shot(page, '02-openhumans-consent');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(base + '/dashboard?welcome=1');
    await shot(page, '03-dashboard-connect');

    await page.getByRole('link', { name: 'Connect Moves' }).click();
    await page.waitForURL((u) => u.origin === sandbox.moves.url);
    await page.getByLabel('Emulated Moves user who approves').selectOption('new');
    await shot(page, '04-moves-pin');
    await page.getByRole('button', { name: 'Approve in the Moves app' }).click();
    await page.waitForURL(base + '/dashboard');
    await expect(page.getByText('Your Moves account is connected').isVisible()).resolves.toBe(true);

    // Live progress without reloading: the bar's value rises as the worker fetches weeks.
    const progress = page.locator('#progress');
    await page.waitForFunction(
      () => Number((document.getElementById('progress') as HTMLProgressElement).value) > 0,
      null,
      {
        timeout: 45_000,
      },
    );
    await shot(page, '05-progress');
    await page.waitForFunction(
      () => document.getElementById('status-words')?.textContent === 'Up to date',
      null,
      {
        timeout: 90_000,
      },
    );
    const max = Number(await progress.getAttribute('max'));
    expect(max).toBeGreaterThan(50);
    await expect(progress.evaluate((el) => (el as HTMLProgressElement).value)).resolves.toBe(max);

    // Tracks on the map (the map script reloads when the import progresses).
    await page.waitForFunction(
      () => Number(document.getElementById('map')?.getAttribute('data-tracks') ?? '0') > 0,
      null,
      {
        timeout: 20_000,
      },
    );
    await expect(page.locator('.leaflet-interactive').count()).resolves.toBeGreaterThan(0);
    await shot(page, '06-up-to-date-map');
    // The same dashboard on a phone, for the screenshot review (one column, nothing cut off).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500); // the map refits its tracks 200 ms after a resize
    await shot(page, '06b-up-to-date-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Update now: the first is accepted, then the button shows the cooldown and the server refuses a forced post.
    await page.getByRole('button', { name: 'Update now' }).click();
    await page.waitForURL(base + '/dashboard');
    const button = page.locator('#update-button');
    await page.waitForFunction(() =>
      /^Available again in (\d+ minutes|1 hour)$/.test(
        document.getElementById('update-button')?.textContent ?? '',
      ),
    );
    await expect(button.isDisabled()).resolves.toBe(true);
    await shot(page, '07-update-cooldown');
    await button.evaluate((b) => {
      (b as HTMLButtonElement).disabled = false;
    });
    await button.click();
    await page.getByRole('heading', { name: 'Update not available yet' }).waitFor();
    await expect(page.getByText(/Available again in (\d+ minutes|1 hour)/).isVisible()).resolves.toBe(true);
    await shot(page, '08-update-refused');

    // History calendar.
    await page.goto(base + '/history');
    await expect(page.locator('td.cal.l1, td.cal.l2, td.cal.l3, td.cal.l4').count()).resolves.toBeGreaterThan(
      100,
    );
    await shot(page, '09-history');

    // Wait for the requested update to finish so the published file is the current one, then download it.
    await page.goto(base + '/dashboard');
    await page.waitForFunction(
      () => document.getElementById('status-words')?.textContent === 'Up to date',
      null,
      {
        timeout: 60_000,
      },
    );
    const ohMemberId = /member (\d{8})/.exec(await page.locator('main').innerText())![1]!;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data' }).click(),
    ]);
    expect(download.url().startsWith(sandbox.openHumans.url)).toBe(true);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    expect(text.startsWith('[')).toBe(true);
    expect(text).toContain('"segments"');
    const filesBefore = await ohFiles(ohMemberId);
    expect(filesBefore.length).toBe(1);

    // Disconnect Moves, after a confirmation page; the file on Open Humans is gone afterwards.
    await page.goto(base + '/dashboard');
    await page.getByRole('link', { name: 'Disconnect Moves' }).click();
    await page.getByRole('heading', { name: 'Disconnect Moves?' }).waitFor();
    await shot(page, '10-disconnect-confirm');
    await page.getByRole('button', { name: /Yes, disconnect Moves/ }).click();
    await page.getByRole('heading', { name: 'Moves disconnected' }).waitFor();
    await expect(page.getByText('moves-storyline-data.json').first().isVisible()).resolves.toBe(true);
    await shot(page, '11-disconnected');
    await expect(ohFiles(ohMemberId)).resolves.toEqual([]);

    // Log out.
    await page.goto(base + '/dashboard');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'You are logged out' }).waitFor();
    await shot(page, '12-logged-out');
    await page.goto(base + '/dashboard');
    await page.waitForURL(base + '/');

    expect(scriptErrors).toEqual([]);
    await context.close();
    // The inner waits above add up to about 4 minutes at most; each fails with its own message before this.
  }, 300_000);

  it('explains a denied sign-in, a forged callback, a callback without a session, and a denied Moves connect', async () => {
    let { context, page } = await newPage({ width: 390, height: 844 });
    await openHumansSignIn(page, 'doubter');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Sign-in cancelled' }).waitFor();
    await shot(page, '20-signin-denied-phone');

    // A forged callback while a sign-in is pending.
    await page.goto(base + '/login');
    await page.waitForURL((u) => u.origin === sandbox.openHumans.url);
    await page.goto(base + '/complete?code=stolen&state=forged');
    await page.getByRole('heading', { name: 'This sign-in link is not valid' }).waitFor();
    await shot(page, '21-forged-callback-phone');

    await context.close();

    // Moves denial, for a signed-in member (a fresh browser: no Open Humans session yet).
    ({ context, page } = await newPage({ width: 390, height: 844 }));
    await openHumansSignIn(page, 'hesitant');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(base + '/dashboard?welcome=1');
    await shot(page, '22-dashboard-phone');
    await page.getByRole('link', { name: 'Connect Moves' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Moves was not connected' }).waitFor();
    await shot(page, '23-moves-denied-phone');
    await context.close();

    // A Moves callback in a browser that never signed in here.
    const other = await newPage();
    await other.page.goto(base + '/moves_complete?code=abc&state=xyz');
    await other.page.getByRole('heading', { name: 'Please sign in first' }).waitFor();
    await shot(other.page, '24-no-session');
    await other.context.close();
  });
});
