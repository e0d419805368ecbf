// Status words and times as a member reads them: one sentence per state, in the member's Moves time zone, in
// words, never ISO and never "(s)"; buttons that cannot act say why.
import { describe, expect, it } from 'vitest';
import { describeStatus, statusLabel, type StatusInput } from '../../src/web/status-words.ts';
import {
  dayAndTime,
  formatDuration,
  formatWhen,
  plural,
  relativeWords,
  zoneNote,
} from '../../src/util/time-words.ts';

// Tuesday 1 December 2026, 11:36:59 UTC = 12:36:59 in Berlin.
const NOW = Date.parse('2026-12-01T11:36:59.400Z');
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

describe('time words', () => {
  it('says counts and durations in words', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(106, 'stored week')).toBe('106 stored weeks');
    expect(plural(1234, 'day')).toBe('1,234 days');
    expect(formatDuration(24_000)).toBe('24 seconds');
    expect(formatDuration(1000)).toBe('1 second');
    expect(formatDuration(59 * 60_000)).toBe('59 minutes');
    expect(formatDuration(60 * 60_000)).toBe('1 hour');
    expect(formatDuration(125 * 60_000)).toBe('2 hours 5 minutes');
    expect(formatDuration(96 * 3600_000)).toBe('4 days');
    expect(relativeWords(new Date(NOW + 4 * 86_400_000), NOW)).toBe('in 4 days');
    expect(relativeWords(new Date(NOW - 180_000), NOW)).toBe('3 minutes ago');
    expect(relativeWords(new Date(NOW - 1000), NOW)).toBe('just now');
    expect(relativeWords(new Date(NOW + 1000), NOW)).toBe('in a moment');
  });

  it('shows times in the member zone, relative to their day', () => {
    const soon = new Date(NOW + 60_000);
    expect(dayAndTime(soon, NOW, 'Europe/Berlin')).toBe('today at 12:37 CET');
    expect(dayAndTime(soon, NOW, 'UTC')).toBe('today at 11:37 UTC');
    // 23:30 UTC is already tomorrow in Berlin.
    expect(dayAndTime(new Date('2026-12-01T23:30:00Z'), NOW, 'Europe/Berlin')).toBe('tomorrow at 00:30 CET');
    expect(dayAndTime(new Date('2026-12-05T11:37:00Z'), NOW, 'Europe/Berlin')).toBe('Sat 5 Dec at 12:37 CET');
    expect(dayAndTime(new Date('2025-12-05T11:37:00Z'), NOW, 'Europe/Berlin')).toBe(
      'Fri 5 Dec 2025 at 12:37 CET',
    );
    expect(formatWhen(new Date(NOW + 4 * 86_400_000), NOW, 'Europe/Berlin')).toBe(
      'Sat 5 Dec at 12:36 CET (in 4 days)',
    );
    // An unknown zone falls back to UTC and the page says so.
    expect(dayAndTime(soon, NOW, 'Mars/Olympus')).toBe('today at 11:37 UTC');
    expect(zoneNote('Europe/Berlin')).toBe(
      'Times are in Europe/Berlin, the time zone of your Moves account.',
    );
    expect(zoneNote(null)).toMatch(/^Times are in UTC until Moves tells us/);
  });
});

const base = (over: Partial<StatusInput> = {}): StatusInput => ({
  account: { status: 'connected', timeZone: 'Europe/Berlin' },
  state: undefined,
  hasFile: false,
  now: NOW,
  zone: 'Europe/Berlin',
  cooldownMinutes: 60,
  staleAfterHours: 96,
  ...over,
});

const state = (over: Partial<NonNullable<StatusInput['state']>>): NonNullable<StatusInput['state']> => ({
  status: 'running',
  weeksDone: 0,
  weeksTotal: 0,
  nextRunAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastErrorAt: null,
  lastManualRequestAt: null,
  ...over,
});

/** Every text a member reads for a status. */
const texts = (s: ReturnType<typeof describeStatus>) =>
  [
    s.words,
    s.progressText,
    s.lastSuccessText,
    s.nextRunText,
    s.lastErrorText ?? '',
    s.update.label,
    s.update.reason ?? '',
    s.download.reason ?? '',
  ].join(' | ');

describe('status words', () => {
  it('gives each state of a first import its own sentence and never a contradiction', () => {
    const queued = describeStatus(base({ state: state({ status: 'queued', nextRunAt: new Date(NOW) }) }));
    expect(queued.words).toBe('The first import starts in a moment');
    const starting = describeStatus(base({ state: state({ status: 'running' }) }));
    expect(starting.words).toBe('First import: asking Moves for your profile');
    const running = describeStatus(
      base({ state: state({ status: 'running', weeksDone: 59, weeksTotal: 106 }) }),
    );
    expect(running.words).toBe('First import: fetching week 60 of 106 from Moves');
    expect(running.progressText).toBe('59 of 106 weeks fetched');
    const paused = describeStatus(
      base({
        state: state({
          status: 'waiting_rate_limit',
          weeksDone: 59,
          weeksTotal: 106,
          nextRunAt: new Date(NOW + 24_000),
        }),
      }),
    );
    expect(paused.words).toMatch(
      /^The first import is paused for the Moves rate limit until 12:37 CET \(in 24 seconds\): Moves answers only so many requests/,
    );
    // The pause is not presented as the next scheduled update.
    expect(paused.nextRunText).toBe('4 days after this import finishes');
    const publishing = describeStatus(
      base({ state: state({ status: 'uploading', weeksDone: 59, weeksTotal: 106 }) }),
    );
    expect(publishing.words).toBe('First import: publishing the 59 weeks fetched so far to Open Humans');
    const done = describeStatus(
      base({
        hasFile: true,
        state: state({ status: 'up_to_date', weeksDone: 106, weeksTotal: 106, lastSuccessAt: new Date(NOW) }),
      }),
    );
    expect(done.words).toBe('Up to date');
    expect(done.lastSuccessText).toBe('today at 12:36 CET (just now)');
    expect(done.nextRunText).toBe('Sat 5 Dec at 12:36 CET (in 4 days)');

    const all = [queued, starting, running, paused, publishing, done];
    expect(new Set(all.map((s) => s.words)).size).toBe(all.length);
    for (const s of all) {
      expect(texts(s)).not.toMatch(ISO);
      expect(texts(s)).not.toContain('(s)');
    }
    // During the first import "Update now" and "Download my data" cannot act, and say why.
    for (const s of [queued, starting, running, paused, publishing]) {
      expect(s.busy).toBe(true);
      expect(s.lastSuccessText).toBe('Not yet: the first import is running');
      expect(s.update).toMatchObject({
        available: false,
        reason: 'Available when the first import has finished',
      });
      expect(s.download.available).toBe(false);
      expect(s.download.reason).toBe('Available once the import has published your file to Open Humans');
    }
    expect(done.update.available).toBe(true);
    expect(done.download).toEqual({ available: true, reason: null });
  });

  it('says when a failed update is retried, and what to do when retries stopped', () => {
    const last = new Date(NOW - 5 * 86_400_000);
    const retrying = describeStatus(
      base({
        hasFile: true,
        state: state({
          status: 'error',
          lastSuccessAt: last,
          nextRunAt: new Date(NOW + 3 * 60_000),
          lastError: 'Moves did not answer (503).',
        }),
      }),
    );
    expect(retrying.words).toBe('The last attempt failed: trying again today at 12:39 CET (in 3 minutes)');
    expect(retrying.lastErrorText).toBe(
      'Moves did not answer (503). We try again automatically. Your data so far is kept.',
    );
    const stopped = describeStatus(
      base({
        hasFile: true,
        state: state({ status: 'error', lastSuccessAt: last, lastError: 'Moves did not answer (503).' }),
      }),
    );
    expect(stopped.words).toBe(
      'The update failed: press "Update now" to try again, or wait for the next automatic update',
    );
    expect(stopped.update.available).toBe(true);
  });

  it('asks for a reconnect, with no automatic update promised until then', () => {
    const moves = describeStatus(
      base({
        account: { status: 'needs_reauth', timeZone: 'Europe/Berlin' },
        state: state({ status: 'needs_reauth', lastSuccessAt: new Date(NOW - 3600_000) }),
      }),
    );
    expect(moves.words).toBe('Moves no longer accepts our access: reconnect Moves to continue');
    expect(moves.nextRunText).toBe('None until you reconnect Moves');
    expect(moves.lastErrorText).toBe(
      'Moves refused our access (the app was disconnected in Moves, or the authorization expired). Reconnect Moves: your data so far is kept.',
    );
    expect(moves.update).toMatchObject({ available: false, reason: 'Reconnect Moves first' });
    const oh = describeStatus(
      base({
        ohNeedsReauth: true,
        hasFile: true,
        state: state({ status: 'up_to_date', lastSuccessAt: new Date(NOW) }),
      }),
    );
    expect(oh.words).toBe(
      'Open Humans no longer accepts our access: sign in with Open Humans again to continue',
    );
    expect(oh.download).toEqual({ available: false, reason: 'Sign in with Open Humans again first' });
  });

  it('shows the cooldown after a manual update, and a running update as the reason otherwise', () => {
    const after = describeStatus(
      base({
        hasFile: true,
        state: state({
          status: 'running',
          weeksDone: 105,
          weeksTotal: 106,
          lastSuccessAt: new Date(NOW - 86_400_000),
          lastManualRequestAt: new Date(NOW - 60_000),
        }),
      }),
    );
    expect(after.words).toBe('Updating: fetching week 106 of 106 from Moves');
    expect(after.update.label).toBe('Available again in 59 minutes');
    const scheduled = describeStatus(
      base({
        hasFile: true,
        state: state({ status: 'running', lastSuccessAt: new Date(NOW - 5 * 86_400_000) }),
      }),
    );
    expect(scheduled.update).toMatchObject({ available: false, reason: 'An update is running now' });
  });

  it('labels states for the admin page in words', () => {
    expect(statusLabel('up_to_date')).toBe('Up to date');
    expect(statusLabel('waiting_rate_limit')).toBe('Paused (Moves rate limit)');
    expect(statusLabel('needs_reauth')).toBe('Needs reconnect');
  });
});
