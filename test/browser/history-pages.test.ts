/// <reference lib="dom" />
// An import-only member's whole history at a glance, in a real browser (Debian Chromium via playwright-core)
// against the in-process sandbox: sign in without Moves, upload a two-year export, then the dashboard, the years
// pages, a place, the journeys and the map of every year, each checked with axe-core at 1280 and 390 px (nothing
// serious or critical), without sideways scroll on the phone, and screenshotted to test-artifacts/browser/;
// last, a year again in miles once the member chose imperial units.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox.ts';
import {
  ARTIFACTS,
  DESKTOP,
  haveChromium,
  layoutProblems,
  signUpOnOpenHumans,
  startSandboxedApp,
  type SandboxedBrowserApp,
} from './support.ts';

let app: SandboxedBrowserApp;
let sandbox: Sandbox;
let browser: Browser;
let base: string;

const dayAgo = (n: number) =>
  new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');

/** A two-year export of a made-up Moves user, from the sandbox's Moves emulator. */
async function twoYearExport(): Promise<string> {
  const { userId } = sandbox.moves.createUser({ firstDate: dayAgo(730), timeZone: 'Europe/Berlin' });
  const res = await sandbox.moves.control.exportArchive(userId);
  const file = path.join(ARTIFACTS, 'history-moves_export.zip');
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

async function upload(page: Page, file: string): Promise<void> {
  await page.goto(base + '/import');
  await page.setInputFiles('#archive', file);
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await page.waitForFunction(
    () =>
      /imported and your file on Open Humans is updated/.test(
        document.getElementById('import-words')?.textContent ?? '',
      ),
    null,
    { timeout: 120_000 },
  );
}

describe.skipIf(!haveChromium)('an import-only member’s history pages in a browser', () => {
  beforeAll(async () => {
    app = await startSandboxedApp();
    ({ sandbox, browser, base } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('uploads an export, then walks the dashboard, years, a place, journeys and the map', async () => {
    // A British browser: metric and 24 hours until the member chooses otherwise.
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.origin !== new URL(base).origin && u.origin !== sandbox.openHumans.url) elsewhere.push(r.url());
    });
    const problems: string[] = [];

    await page.goto(base + '/');
    await signUpOnOpenHumans(page, sandbox, 'historian');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard');
    await upload(page, await twoYearExport());

    await page.goto(base + '/dashboard');
    problems.push(...(await layoutProblems(page, 'history-01-dashboard')));

    // The dashboard itself leads to the years, not only the header.
    await page.getByRole('main').getByRole('link', { name: 'Your years at a glance' }).click();
    await page.waitForURL(base + '/years');
    expect(await page.locator('main h2').count()).toBeGreaterThanOrEqual(2);
    problems.push(...(await layoutProblems(page, 'history-02-years')));
    await page.locator('main h2 a').nth(1).click(); // the year before this one: a whole year
    await page.waitForURL(/\/years\/\d{4}$/);
    const yearUrl = page.url();
    await expect(page.locator('figure.chart svg').count()).resolves.toBe(2);
    // The README's picture (the totals and both month charts) is renewed only when asked for, so that a test run
    // leaves the checkout as it found it: UPDATE_DOCS_SCREENSHOTS=1 npx vitest run test/browser/history-pages.test.ts
    await page.setViewportSize({ width: 1280, height: 1200 });
    const picture = process.env.UPDATE_DOCS_SCREENSHOTS ? path.join('docs', 'years.png') : null;
    await page.screenshot({ path: picture ?? path.join(ARTIFACTS, 'history-readme-years.png') });
    await page.setViewportSize(DESKTOP);
    problems.push(...(await layoutProblems(page, 'history-03-year')));
    await page.locator('#busiest-title + ol a').first().click();
    await page.waitForURL(/\/day\/\d{4}-\d\d-\d\d$/);

    await page.goto(base + '/places');
    problems.push(...(await layoutProblems(page, 'history-04-places')));
    await page.locator('#by-time ~ .table-scroll tbody a').first().click();
    await page.waitForURL(/\/places\/[mg]/);
    await expect(page.locator('table.data tbody tr').count()).resolves.toBeGreaterThan(0);
    problems.push(...(await layoutProblems(page, 'history-05-place')));

    await page.goto(base + '/journeys');
    problems.push(...(await layoutProblems(page, 'history-06-journeys')));

    await page.goto(base + '/map');
    await page.waitForFunction(() =>
      /track points in/.test(document.getElementById('map-caption')?.textContent ?? ''),
    );
    problems.push(...(await layoutProblems(page, 'history-07-map')));

    // In miles and a 12-hour clock, chosen on the preferences page: the charts' axes and the table follow.
    await page.goto(base + '/preferences');
    await page.getByLabel('Imperial (miles, feet)', { exact: true }).check();
    await page.getByLabel('12-hour (2:05 pm)', { exact: true }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.goto(yearUrl);
    await expect(page.locator('figure.chart .chart-axis').first().textContent()).resolves.toMatch(/ mi$/);
    await expect(page.locator('table.data tfoot td').first().textContent()).resolves.toMatch(/ mi$/);
    problems.push(...(await layoutProblems(page, 'history-08-year-imperial')));

    expect(problems).toEqual([]);
    expect(scriptErrors).toEqual([]);
    expect(elsewhere).toEqual([]); // no tile, font or script from anywhere else before consent
    await context.close();
  }, 400_000);
});
