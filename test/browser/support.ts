/// <reference lib="dom" />
// What every browser test shares: Debian Chromium via playwright-core with one set of flags, the app on a free
// port with a private PGlite database (with or without the in-process sandbox of both emulators), screenshots
// under test-artifacts/browser/, the Open Humans emulator's sign-in steps and a member seeded with generated
// Moves weeks.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { OpenHumansControlFile } from '../../emulators/openhumans/client.ts';
import { generateStorylineDay } from '../../emulators/moves/generator.ts';
import type { StorylineDayJson } from '../../emulators/moves/projections.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import { datesOfWeek } from '../../src/moves/weeks.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox.ts';
import { runService, type RunningService } from '../../src/service.ts';
import { SESSION_COOKIE } from '../../src/web/session.ts';
import { testConfig } from '../support/context.ts';
import { createTestDatabase } from '../support/database.ts';
import { chromiumPath } from '../support/skipped-groups.ts';

// Without it the run's global setup says once that the browser tests are skipped (test/support/skipped-groups.ts).
export const CHROMIUM = chromiumPath();
export const haveChromium = fs.existsSync(CHROMIUM);

export const ARTIFACTS = path.resolve('test-artifacts/browser');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface BrowserApp {
  ctx: AppContext;
  service: RunningService;
  browser: Browser;
  /** The app's base URL, as the browser reaches it. */
  base: string;
  close(): Promise<void>;
}

export interface SandboxedBrowserApp extends BrowserApp {
  sandbox: Sandbox;
}

/** Both emulators in process, the app (web and worker) talking to them, and Chromium. */
export async function startSandboxedApp(
  overrides: Record<string, string> = {},
): Promise<SandboxedBrowserApp> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const logger = createLogger('silent');
  const sandbox = await startSandbox(testConfig({ PORT: '0', ...overrides }), {
    logger,
    persistStorage: false,
  });
  const ctx = await buildContext({
    config: sandbox.config,
    sampleExports: sandbox.samples,
    logger,
    database: await createTestDatabase('pglite'),
    boss: { schedule: false, supervise: true },
  });
  const service = await runService(ctx, { web: true, worker: true, scheduler: false });
  const browser = await launchChromium();
  return {
    sandbox,
    ctx,
    service,
    browser,
    base: sandbox.config.appBaseUrl,
    async close() {
      await browser.close();
      await service.stop();
      await sandbox.close();
    },
  };
}

/** The web app alone (no worker, no emulators) on seeded data, and Chromium. */
export async function startWebApp(overrides: Record<string, string> = {}): Promise<BrowserApp> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const ctx = await buildContext({
    config: testConfig({ PORT: '0', ...overrides }),
    logger: createLogger('silent'),
    database: await createTestDatabase('pglite'),
    boss: { schedule: false, supervise: false },
  });
  const service = await runService(ctx, { web: true, worker: false, scheduler: false });
  const browser = await launchChromium();
  return {
    ctx,
    service,
    browser,
    base: service.url!.replace('localhost', '127.0.0.1'),
    async close() {
      await browser.close();
      await service.stop();
    },
  };
}

/**
 * From the app's start page (already open) through the Open Humans emulator's sign-in as a new member; stops on
 * the consent page, whose Authorize button the caller presses.
 */
export async function signUpOnOpenHumans(page: Page, sandbox: Sandbox, username: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with Open Humans' }).click();
  await page.waitForURL((u) => u.origin === sandbox.openHumans.url);
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Create and sign in' }).click();
  await page.getByRole('button', { name: 'Authorize' }).waitFor();
}

/** The member's files on the Open Humans emulator, leaving out direct uploads that never completed. */
export async function completeOhFiles(
  sandbox: Sandbox,
  ohMemberId: string,
): Promise<OpenHumansControlFile[]> {
  return (await sandbox.openHumans.control.files(ohMemberId)).filter((f) => !f.incomplete);
}

/** A browser context carrying a member's session cookie; `requests` collects every URL it asks for. */
export async function signedInContext(
  app: BrowserApp,
  cookieValue: string,
  options: { viewport: { width: number; height: number }; acceptDownloads?: boolean; touch?: boolean },
): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await app.browser.newContext({
    viewport: options.viewport,
    acceptDownloads: options.acceptDownloads ?? false,
    hasTouch: options.touch ?? false,
    isMobile: options.touch ?? false,
  });
  await context.addCookies([{ name: SESSION_COOKIE, value: cookieValue, url: app.base }]);
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page, requests };
}

/** Stores complete weeks of the Moves emulator's generated storyline (with track points) for a member. */
export async function seedGeneratedWeeks(
  ctx: AppContext,
  memberId: number,
  user: { seed: number; firstDate: string; timeZone: string },
  weeks: readonly string[],
  edit: (day: StorylineDayJson) => StorylineDayJson = (day) => day,
): Promise<void> {
  for (const week of weeks) {
    const days = datesOfWeek(week)
      .filter((d) => d >= user.firstDate)
      .map((d) => edit(generateStorylineDay(user, d, { trackPoints: true, now: Date.UTC(2017, 0, 1) })));
    await ctx.weeks.save(memberId, {
      week,
      daysJson: JSON.stringify(days),
      dates: days.map((d) => d.date),
      complete: true,
      source: 'moves',
    });
  }
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the page as it is, at desktop (1280) and phone (390) sizes: serious and critical violations, and a
 * phone page wider than the phone, as readable problems. Screenshots `<name>-desktop.png` and `<name>-phone.png`
 * are saved. The viewport is back at desktop after.
 */
export async function layoutProblems(page: Page, name: string): Promise<string[]> {
  const problems: string[] = [];
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(300); // the map refits 200 ms after a resize
    // Evaluated through the DevTools protocol, so the pages' Content-Security-Policy stays as it is.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate(async () => {
      interface AxeResult {
        violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
      }
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } })
        .axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.id} (${v.impact}) at ${v.nodes
              .map((n) => n.target.join(' '))
              .slice(0, 3)
              .join(', ')}`,
        );
    });
    for (const f of found) problems.push(`${name} [${size}]: ${f}`);
    if (size === 'phone') {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > PHONE.width) problems.push(`${name} [phone]: the page is ${width} px wide`);
    }
    await shot(page, `${name}-${size}`);
  }
  await page.setViewportSize(DESKTOP);
  return problems;
}
