/// <reference lib="dom" />
// An import-only deployment as an operator runs it for real people today: the Open Humans emulator started on
// its own (as the real Open Humans would be), the app registered with it, then `oh-moves start` with Open Humans
// credentials and no Moves credentials. A member signs in, sees their empty dashboard, uploads an export (made by
// the Moves emulator beforehand and closed before the app starts: no Moves is reachable), and the open dashboard
// shows the new history and the last day's map without a reload; the file is on Open Humans. No page offers to
// connect Moves. The dashboard is checked with axe-core at 1280 and 390 px (no serious or critical violation, no
// sideways scroll) and screenshotted into test-artifacts/browser/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMovesEmulator } from '../../emulators/moves/index.ts';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort } from '../../src/sandbox.ts';
import { killAllStarted, runProcess, type RunningProcess } from '../support/processes.ts';
import { ARTIFACTS, DESKTOP, haveChromium, launchChromium, layoutProblems } from './support.ts';

let openHumans: RunningOpenHumansEmulator;
let app: RunningProcess;
let base: string;
let exportFile: string;

/** A two-month export from the Moves emulator, which is closed again before the app starts. */
async function buildExport(): Promise<string> {
  const moves = await startMovesEmulator({ port: 0, logger: createLogger('silent') });
  try {
    const first = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const { userId } = await moves.control.createUser({ firstDate: first, timeZone: 'Europe/London' });
    const res = await moves.control.exportArchive(userId);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-export-')), 'moves_export.zip');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  } finally {
    await moves.close();
  }
}

async function mainText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

describe.skipIf(!haveChromium)('an import-only deployment (Open Humans credentials only)', () => {
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    exportFile = await buildExport();
    openHumans = await startOpenHumansEmulator({ port: 0, logger: createLogger('silent') });
    const port = await freePort('127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    const project = {
      client_id: `real-oh-${crypto.randomBytes(4).toString('hex')}`,
      client_secret: crypto.randomBytes(24).toString('base64url'),
      webhook_secret: crypto.randomBytes(24).toString('base64url'),
    };
    await openHumans.control.createProject({
      ...project,
      redirect_uri: `${base}/complete`,
      webhook_url: `${base}/webhooks/openhumans/deauth`,
      name: 'Moves for Open Humans',
    });
    app = runProcess('npx', ['oh-moves', 'start'], {
      env: {
        DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-import-only-')),
        PORT: String(port),
        APP_BASE_URL: base,
        SECRET_KEY: crypto.randomBytes(36).toString('base64url'),
        OH_CLIENT_ID: project.client_id,
        OH_CLIENT_SECRET: project.client_secret,
        OH_WEBHOOK_SECRET: project.webhook_secret,
        OH_BASE_URL: openHumans.url,
        MOVES_CLIENT_ID: '',
        MOVES_CLIENT_SECRET: '',
        LOG_LEVEL: 'info',
      },
    });
    await app.waitFor(/oh-moves is running at/, 120_000);
  }, 180_000);

  afterAll(async () => {
    killAllStarted();
    await openHumans?.close();
  });

  it('names the mode in its first log line and has no Moves routes', async () => {
    const first = JSON.parse(
      app
        .output()
        .split('\n')
        .find((l) => l.startsWith('{'))!,
    ) as { msg: string };
    expect(first.msg).toMatch(/import-only mode/);
    expect(first.msg).toContain(openHumans.url);
    expect((await fetch(`${base}/connect/moves`, { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(`${base}/webhooks/moves/notify`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('signs a member in, imports their export, publishes it and never offers Moves', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const scriptErrors: string[] = [];
      page.on('pageerror', (e) => scriptErrors.push(e.message));
      const seen: string[] = [];

      await page.goto(base + '/');
      seen.push(await mainText(page));
      expect(seen[0]).toMatch(/Bring the export you downloaded from Moves/);
      await page.getByRole('link', { name: 'Sign in with Open Humans' }).click();
      await page.waitForURL((u) => u.origin === openHumans.url);
      await page.getByLabel('Username').fill('bringer');
      await page.getByRole('button', { name: 'Create and sign in' }).click();
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.waitForURL((u) => u.origin === base && u.pathname === '/dashboard');
      const ohMemberId = /member (\d{8})/.exec(await mainText(page))?.[1];
      seen.push(await mainText(page));
      expect(await page.locator('#map-caption').textContent()).toMatch(/No days with data yet/);
      const empty = await layoutProblems(page, 'import-only-dashboard-empty');
      expect(empty).toEqual([]);

      // The upload in a second tab; the first keeps the dashboard open and must follow without a reload.
      const upload = await context.newPage();
      await upload.goto(base + '/import');
      seen.push(await mainText(upload));
      await upload.setInputFiles('#archive', exportFile);
      await upload.getByRole('button', { name: 'Upload and import' }).click();
      await upload.waitForFunction(
        () => /imported and your file on Open Humans is updated/.test(document.body.innerText),
        null,
        { timeout: 120_000 },
      );
      await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.tracks) > 0, null, {
        timeout: 30_000,
      });
      await page.waitForFunction(() => /last updated/.test(document.getElementById('file-text')!.innerText));

      // History first: its range, the file with size and zone-labelled time, download, calendar and years.
      const headings = await page.locator('main h2').allInnerTexts();
      expect(headings[0]).toBe('Your history');
      expect(headings[1]).toBe('Your last day with data');
      expect(headings[2]).toBe('Your Moves export');
      expect(await page.locator('#stored-text').innerText()).toMatch(/^\d+ days, from \d+ \w+ \d{4} to /);
      expect(await page.locator('#file-text').innerText()).toMatch(
        /moves-storyline-data\.json, [\d.]+ (KB|MB), last updated today at \d\d:\d\d UTC/,
      );
      expect(await page.getByRole('link', { name: 'Download my data' }).isVisible()).toBe(true);
      expect(await page.locator('a[href="/history"].button').count()).toBe(1);
      expect(await page.locator('#history a[href="/years"]').count()).toBe(1);
      expect(await page.locator('#map-caption').innerText()).toMatch(/ on \w{3} \d+ \w{3}\.$/);
      expect(await page.getByRole('link', { name: 'Import another export' }).isVisible()).toBe(true);
      await page.waitForFunction(() => /imported/.test(document.getElementById('import-words')!.innerText));
      const full = await layoutProblems(page, 'import-only-dashboard');
      expect(full).toEqual([]);

      await page.goto(base + '/history');
      seen.push(await mainText(page));
      await page.goto(base + '/preferences');
      seen.push(await mainText(page));
      expect(await layoutProblems(page, 'import-only-preferences')).toEqual([]);
      for (const text of seen) expect(text).not.toMatch(/connect Moves/i);
      expect(await page.locator('a[href*="connect/moves"]').count()).toBe(0);

      const files = (await openHumans.control.files(ohMemberId!)).filter((f) => !f.incomplete);
      expect(files.map((f) => f.basename)).toEqual(['moves-storyline-data.json']);
      expect(scriptErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
