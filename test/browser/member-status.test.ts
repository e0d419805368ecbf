/// <reference lib="dom" />
// The member's status pages in a real browser (Debian Chromium via playwright-core) against the in-process
// sandbox, with Moves' rate limit tight enough that the first import pauses: connect → first import, checking
// on every poll that the page shows one message for its state and nothing that contradicts it → needs
// reconnect (and the Open Humans message it sends) → reconnect → a failed update → admin → log out → delete the
// account (the result counts what the confirmation listed; Back shows the result again). Every page is checked
// with axe-core at desktop and phone sizes (no serious or critical violation) and screenshotted at both sizes
// into test-artifacts/browser/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import type { Sandbox } from '../../src/sandbox.ts';
import {
  DESKTOP,
  haveChromium,
  layoutProblems,
  signUpOnOpenHumans,
  startSandboxedApp,
  type SandboxedBrowserApp,
} from './support.ts';

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

let app: SandboxedBrowserApp;
let sandbox: Sandbox;
let ctx: AppContext;
let browser: Browser;
let base: string;

/** Problems axe-core and the layout checks found, by page: the test asserts this stays empty. */
const a11yProblems: string[] = [];

/** The shared page checks (support.ts), their problems recorded by page; screenshots are `status-<name>-<size>`. */
async function checkPage(page: Page, name: string): Promise<void> {
  a11yProblems.push(...(await layoutProblems(page, `status-${name}`)));
}

/** Everything the dashboard's status card shows, read in one go. */
interface Snapshot {
  words: string;
  nextRun: string;
  lastSuccess: string;
  fileText: string;
  downloadShown: boolean;
  downloadOffShown: boolean;
  downloadNote: string;
  updateDisabled: boolean;
  updateNote: string;
  flashes: string[];
  texts: string;
}

function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent?.trim() ?? '';
    const shown = (id: string) => {
      const el = document.getElementById(id);
      return !!el && getComputedStyle(el).display !== 'none';
    };
    return {
      words: text('status-words'),
      nextRun: text('next-run'),
      lastSuccess: text('last-success'),
      fileText: text('file-text'),
      downloadShown: shown('download-link'),
      downloadOffShown: shown('download-off'),
      downloadNote: text('download-note'),
      updateDisabled:
        (document.getElementById('update-button') as HTMLButtonElement | null)?.disabled ?? false,
      updateNote: text('update-note'),
      flashes: Array.from(document.querySelectorAll('.flash')).map((f) => f.textContent?.trim() ?? ''),
      texts: (document.querySelector('main') as HTMLElement).innerText,
    };
  });
}

/** The state a status sentence stands for; each state has exactly one sentence. */
function stateOf(words: string): string {
  if (/^The first import (starts in a moment|is queued to start)/.test(words)) return 'queued';
  if (/^First import: (asking Moves for your profile|fetching week \d+ of \d+ from Moves)$/.test(words))
    return 'first-import';
  if (
    /^The first import is paused for the Moves rate limit until \d\d:\d\d \S+ \((in [\w ]+|in a moment)\): /.test(
      words,
    )
  )
    return 'rate-limit-pause';
  if (
    /^First import: publishing the [\d,]+ weeks? fetched so far to Open Humans$|^Publishing your file/.test(
      words,
    )
  )
    return 'publishing';
  if (words === 'Up to date') return 'up-to-date';
  return `unexpected: ${words}`;
}

/** The rules that make a snapshot truthful: nothing on the page contradicts the one status sentence. */
function contradictions(s: Snapshot): string[] {
  const out: string[] = [];
  const state = stateOf(s.words);
  if (state.startsWith('unexpected')) out.push(state);
  if (ISO_TIME.test(s.texts)) out.push(`an ISO time on the page: ${ISO_TIME.exec(s.texts)![0]}`);
  if (s.texts.includes('(s)')) out.push('"(s)" on the page');
  if (/No file on Open Humans yet: it appears as soon/.test(s.fileText)) out.push('the old no-file promise');
  const hasFile = s.fileText.startsWith('On Open Humans:');
  if (hasFile !== s.downloadShown || s.downloadShown === s.downloadOffShown)
    out.push(`download ${s.downloadShown ? 'offered' : 'withheld'} while the file text says "${s.fileText}"`);
  if (!s.downloadShown && !s.downloadNote) out.push('the disabled download gives no reason');
  if (state === 'rate-limit-pause' && s.nextRun !== '4 days after this import finishes')
    out.push(`a pause shown as the next update: "${s.nextRun}"`);
  if (state !== 'up-to-date') {
    if (!s.updateDisabled || s.updateNote !== 'Available when the first import has finished')
      out.push(`"Update now" during the first import: disabled=${s.updateDisabled} "${s.updateNote}"`);
    if (s.lastSuccess !== 'Not yet: the first import is running') out.push(`last success "${s.lastSuccess}"`);
  } else if (s.flashes.some((f) => /first import has started/.test(f)))
    out.push('the "first import has started" banner outlived the import');
  return out;
}

async function waitForWords(page: Page, re: RegExp, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (source) => new RegExp(source).test(document.getElementById('status-words')?.textContent ?? ''),
    re.source,
    { timeout },
  );
}

async function ohMessagesTo(ohMemberId: string): Promise<{ subject: string; message: string }[]> {
  const all = await sandbox.openHumans.control.messages();
  return all.filter((m) => m.projectMemberIds.includes(ohMemberId));
}

describe.skipIf(!haveChromium)('member status in a browser', () => {
  beforeAll(async () => {
    // One emulated minute lasts 6 s and Moves answers 20 requests a minute (40 in a new token's first hour): a
    // two-year first import (107 requests) needs at least three windows, so the middle one is always used up and
    // the import pauses for the rate limit. Each week takes 200 ms to arrive, so 40 weeks (3 in flight) keep the
    // import running for about 2.7 s: longer than the page's 2 s poll, so the member sees it running.
    app = await startSandboxedApp({
      MOVES_TIME_SCALE: '10',
      MOVES_MINUTE_LIMIT: '20',
      MANUAL_UPDATE_COOLDOWN_MINUTES: '60',
    });
    app.sandbox.moves.configure({
      faults: [{ kind: 'latency', latencyMs: 200, pathPrefix: '/api/1.1/user/storyline' }],
    });
    ({ sandbox, ctx, browser, base } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows one truthful message per state from connect to account deletion, accessible at both sizes', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (404|409|429)/.test(m.text())) scriptErrors.push(m.text());
    });

    // Start page: its title once, not "Moves for Open Humans · Moves for Open Humans".
    await page.goto(base + '/');
    await expect(page.title()).resolves.toBe('Moves for Open Humans');
    await checkPage(page, 'home');

    await signUpOnOpenHumans(page, sandbox, 'statuswalker');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(base + '/dashboard?welcome=1');
    // A newcomer's dashboard: importing comes first; connecting Moves is offered last, and truthfully.
    await expect(
      page.getByText('Connecting a Moves account works only against a live').isVisible(),
    ).resolves.toBe(true);
    await checkPage(page, 'dashboard-welcome');
    const ohMemberId = /member (\d{8})/.exec(await page.locator('main').innerText())![1]!;
    const memberId = (await ctx.accounts.findMemberByOhId(ohMemberId))!;

    // The Moves PIN page names the app and passes contrast.
    await page.getByRole('link', { name: 'Connect Moves' }).click();
    await page.waitForURL((u) => u.origin === sandbox.moves.url);
    await expect(page.getByText('Moves for Open Humans (sandbox)').isVisible()).resolves.toBe(true);
    await page.getByLabel('Emulated Moves user who approves').selectOption('new');
    await checkPage(page, 'moves-pin');
    await page.getByRole('button', { name: 'Approve in the Moves app' }).click();
    await page.waitForURL(base + '/dashboard');

    // The first import, polled the way the member sees it: one sentence per state, nothing contradicting it.
    const seen = new Map<string, Snapshot>();
    const problems: string[] = [];
    const deadline = Date.now() + 150_000;
    let state = '';
    while (Date.now() < deadline) {
      const s = await snapshot(page);
      state = stateOf(s.words);
      for (const p of contradictions(s)) problems.push(`${state}: ${p}`);
      if (!seen.has(state)) {
        seen.set(state, s);
        if (state !== 'up-to-date' && state !== 'queued') await checkPage(page, `dashboard-${state}`);
      }
      if (state === 'up-to-date') break;
      await page.waitForTimeout(150);
    }
    expect(problems).toEqual([]);
    expect(state).toBe('up-to-date');
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['first-import', 'rate-limit-pause', 'up-to-date']),
    );
    // The completion counts the whole import, not its last run after the pauses.
    const total = Number(await page.locator('#progress').getAttribute('max'));
    expect(total).toBeGreaterThan(100);
    await page.waitForFunction(() => document.querySelectorAll('.flash[data-until-done]').length === 0);
    await expect(page.locator('#events').innerText()).resolves.toContain(
      `Up to date: fetched ${total} weeks`,
    );
    await expect(page.locator('#zone-note').innerText()).resolves.toBe(
      'Times are in Europe/Berlin, the time zone of your Moves account.',
    );
    await checkPage(page, 'dashboard-up-to-date');

    await page.goto(base + '/history');
    await checkPage(page, 'history');
    const dayLink = page.locator('a[href^="/day/"]').first();
    if ((await dayLink.count()) > 0) {
      await page.goto(base + (await dayLink.getAttribute('href'))!);
      await checkPage(page, 'day');
    }

    // Needs reconnect: Moves revokes our access; the next sync says so, and the member gets one message.
    // The dashboard names the Moves account by what a person knows of it, never by Moves' internal id.
    const dashboardText = await (await page.goto(base + '/dashboard'))!.text();
    expect(dashboardText).toMatch(
      /Connected to your Moves account \(recording since \d+ \w+ \d{4}, time zone /,
    );
    const movesUserId = (await ctx.accounts.movesAccount(memberId))!.movesUserId;
    expect(dashboardText).not.toContain(movesUserId);
    await sandbox.moves.control.revoke(movesUserId);
    await ctx.queue.enqueueSync(memberId, 'admin');
    await waitForWords(page, /^Moves no longer accepts our access: reconnect Moves to continue$/);
    await expect(page.locator('#next-run').innerText()).resolves.toBe('None until you reconnect Moves');
    await expect(page.locator('#update-button').isDisabled()).resolves.toBe(true);
    await page.waitForFunction(() =>
      /Message sent/.test(document.getElementById('events')?.textContent ?? ''),
    );
    const messages = await ohMessagesTo(ohMemberId);
    expect(messages.map((m) => m.subject)).toEqual(['Moves for Open Humans: please reconnect Moves']);
    expect(messages[0]!.message).toContain(`${base}/dashboard`);
    await checkPage(page, 'dashboard-needs-reconnect');

    // Reconnect with the same Moves user: back to "Up to date", and going back to approve again changes nothing.
    await page.getByRole('link', { name: 'Reconnect Moves' }).click();
    await page.waitForURL((u) => u.origin === sandbox.moves.url);
    await page.getByLabel('Emulated Moves user who approves').selectOption(movesUserId);
    await page.getByRole('button', { name: 'Approve in the Moves app' }).click();
    await page.waitForURL(base + '/dashboard');
    await waitForWords(page, /^Up to date$/);
    await page.goBack(); // the Moves PIN page again
    await page.waitForURL((u) => u.origin === sandbox.moves.url);
    await page.getByLabel('Emulated Moves user who approves').selectOption(movesUserId);
    await page.getByRole('button', { name: 'Approve in the Moves app' }).click();
    await page.waitForURL(base + '/dashboard');
    await expect(page.locator('.flash').first().innerText()).resolves.toMatch(/^Moves is already connected/);

    // A failed update: Moves answers 503; the page says when it tries again and what went wrong.
    await sandbox.moves.control.configure({
      faults: [{ kind: 'status', status: 503, pathPrefix: '/api/1.1/user/' }],
    });
    try {
      await ctx.queue.enqueueSync(memberId, 'admin');
      await waitForWords(
        page,
        /^The last attempt failed: trying again today at \d\d:\d\d [A-Z][\w+-]* \(in [\w ]+\)$/,
      );
      await expect(page.locator('#last-error').isVisible()).resolves.toBe(true);
      await checkPage(page, 'dashboard-failed');
    } finally {
      await sandbox.moves.control.configure({ faults: [] });
    }
    await waitForWords(page, /^Up to date$/, 90_000);

    // Admin: states in words, not `up_to_date`.
    ctx.config.adminMemberIds.push(ohMemberId);
    await page.goto(base + '/admin');
    const admin = await page.locator('main').innerText();
    expect(admin).toContain('Up to date');
    expect(admin).not.toContain('up_to_date');
    expect(admin).toContain('Message sent');
    await checkPage(page, 'admin');

    // Errors and confirmations.
    await page.goto(base + '/no-such-page');
    await checkPage(page, 'not-found');
    await page.goto(base + '/remove_moves');
    await checkPage(page, 'confirm-disconnect');
    await page.goto(base + '/import');
    await checkPage(page, 'import');

    // Log out: it says the Open Humans session may still be open, and links to its log-out.
    await page.goto(base + '/dashboard');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'You are logged out' }).waitFor();
    await expect(
      page.getByRole('link', { name: 'Log out of Open Humans' }).getAttribute('href'),
    ).resolves.toBe(`${sandbox.openHumans.url}/account/logout/`);
    await checkPage(page, 'logged-out');
    await page.getByRole('link', { name: 'Sign in again' }).click(); // Open Humans still knows this browser
    await page.waitForURL(base + '/dashboard');

    // Delete the account: the result counts what the confirmation listed; Back shows the result again.
    await page.goto(base + '/account/delete');
    const listed = /our copy of your Moves data \((\d+) weeks?\)/.exec(
      await page.locator('main').innerText(),
    );
    expect(Number(listed![1])).toBe(total);
    await checkPage(page, 'confirm-delete');
    await page.getByRole('button', { name: 'Yes, delete my account' }).click();
    await page.getByRole('heading', { name: 'Account deleted' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain(`Here: ${listed![1]} stored weeks`);
    await checkPage(page, 'account-deleted');
    await page.goBack();
    await page.getByRole('heading', { name: 'Account deleted' }).waitFor();

    expect(a11yProblems).toEqual([]);
    expect(scriptErrors).toEqual([]);
    await context.close();
  }, 420_000);
});
