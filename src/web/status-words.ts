// The member's sync state in plain words, shared by the dashboard page and its JSON status endpoint. Each state
// has exactly one sentence; times are in the member's Moves time zone and in words. Pure: everything comes in
// as arguments, including "now".
import { reconnectNeeded } from '../accounts/reconnect.ts';
import {
  clockTime,
  dayAndTime,
  formatDuration,
  formatWhen,
  plural,
  relativeWords,
} from '../util/time-words.ts';

export { formatDuration, formatWhen } from '../util/time-words.ts';

export interface StatusInput {
  account: { status: string; timeZone?: string | null } | undefined;
  /** Open Humans refused our tokens (members.ohNeedsReauth, src/accounts/reconnect.ts): sign in again. */
  ohNeedsReauth?: boolean;
  state:
    | {
        status: string;
        weeksDone: number;
        weeksTotal: number;
        nextRunAt: Date | null;
        lastSuccessAt: Date | null;
        lastError: string | null;
        lastErrorAt: Date | null;
        lastManualRequestAt: Date | null;
      }
    | undefined;
  /** A file of ours is on Open Humans (the download has something to fetch). */
  hasFile?: boolean;
  now: number;
  /** The zone times are shown in (the Moves profile's, else UTC). */
  zone: string;
  cooldownMinutes: number;
  staleAfterHours: number;
}

export interface DashboardStatus {
  connected: boolean;
  needsReauth: boolean;
  /** No update has succeeded yet: the running sync is the first import. */
  firstImport: boolean;
  /** Where the "reconnect" button goes: Moves, or Open Humans when it is Open Humans that refused. */
  reconnect: { href: string; label: string };
  status: string;
  /** The one sentence for this state. */
  words: string;
  busy: boolean;
  weeksDone: number;
  weeksTotal: number;
  /** 0–100, or null while the total is not known yet. */
  percent: number | null;
  progressText: string;
  lastSuccessAt: string | null;
  lastSuccessText: string;
  nextRunAt: string | null;
  nextRunText: string;
  lastError: string | null;
  lastErrorText: string | null;
  update: { available: boolean; availableAt: string | null; label: string; reason: string | null };
  download: { available: boolean; reason: string | null };
}

const unitFormat = (unit: string, digits: number) =>
  new Intl.NumberFormat('en', {
    style: 'unit',
    unit,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
const MB_TENTHS = unitFormat('megabyte', 1);
const MB_WHOLE = unitFormat('megabyte', 0);
/** "2 GB", "1.5 GB": a tenth only where it says something. */
const GB = new Intl.NumberFormat('en', { style: 'unit', unit: 'gigabyte', maximumFractionDigits: 1 });

/** "850 bytes", "20 KB", "13.4 MB", "2 GB" (1024-based, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  const kb = bytes / 1024;
  if (kb < 1024) return `${Math.round(kb)} KB`;
  const mb = kb / 1024;
  if (mb < 999.5) return (mb < 100 ? MB_TENTHS : MB_WHOLE).format(mb);
  return GB.format(mb / 1024);
}

/** States in which a sync is queued, running or paused: its work is not done. */
export const BUSY_STATES: ReadonlySet<string> = new Set([
  'queued',
  'running',
  'waiting_rate_limit',
  'uploading',
]);

/** A sync state as a short label (admin tables, event lists): "Up to date", "Paused (rate limit)". */
export const STATUS_LABELS: Record<string, string> = {
  not_connected: 'Moves not connected',
  idle: 'Waiting for the first import',
  queued: 'Queued',
  running: 'Fetching from Moves',
  waiting_rate_limit: 'Paused (Moves rate limit)',
  uploading: 'Publishing to Open Humans',
  up_to_date: 'Up to date',
  error: 'Failed',
  needs_reauth: 'Needs reconnect',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.replace(/_/g, ' ');
}

/** What every part of the dashboard status is worked out from. */
interface Situation {
  i: StatusInput;
  connected: boolean;
  ohNeedsReauth: boolean;
  needsReauth: boolean;
  status: string;
  weeksDone: number;
  weeksTotal: number;
  /** The next attempt, when it lies ahead. */
  nextRun: Date | null;
  lastSuccess: Date | null;
  firstImport: boolean;
  busy: boolean;
}

function situationOf(i: StatusInput): Situation {
  const { account, state, now } = i;
  const connected = account !== undefined;
  const refused = reconnectNeeded({ ohNeedsReauth: i.ohNeedsReauth === true }, account);
  const needsReauth = refused !== null;
  const status = !connected ? 'not_connected' : needsReauth ? 'needs_reauth' : (state?.status ?? 'idle');
  const lastSuccess = state?.lastSuccessAt ?? null;
  return {
    i,
    connected,
    ohNeedsReauth: refused === 'openhumans',
    needsReauth,
    status,
    weeksDone: state?.weeksDone ?? 0,
    weeksTotal: state?.weeksTotal ?? 0,
    nextRun: state?.nextRunAt && state.nextRunAt.getTime() > now ? state.nextRunAt : null,
    lastSuccess,
    firstImport: connected && lastSuccess === null,
    busy: BUSY_STATES.has(status),
  };
}

/** The status sentence for a sync that is queued, running or paused. */
function busyWords(s: Situation): string {
  const { now, zone } = s.i;
  const { nextRun, firstImport, weeksDone, weeksTotal } = s;
  const fetching = (what: string) =>
    weeksTotal > 0
      ? `${what}: fetching week ${Math.min(weeksDone + 1, weeksTotal)} of ${weeksTotal} from Moves`
      : null;
  switch (s.status) {
    case 'queued':
      if (nextRun && nextRun.getTime() - now > 5000)
        return `${firstImport ? 'The first import' : 'An update'} is queued to start ${atWords(nextRun, now, zone)}`;
      return `${firstImport ? 'The first import' : 'An update'} starts in a moment`;
    case 'running':
      return firstImport
        ? (fetching('First import') ?? 'First import: asking Moves for your profile')
        : (fetching('Updating') ?? 'Updating: asking Moves what changed');
    case 'waiting_rate_limit': {
      const who = firstImport ? 'The first import' : 'The update';
      return nextRun
        ? `${who} is paused for the Moves rate limit until ${clockTime(nextRun, zone)} (${relativeWords(nextRun, now)}): Moves answers only so many requests a minute and an hour, and it continues by itself`
        : `${who} continues after a pause for the Moves rate limit`;
    }
    default:
      return firstImport && weeksDone < weeksTotal
        ? `First import: publishing the ${plural(weeksDone, 'week')} fetched so far to Open Humans`
        : 'Publishing your file to Open Humans';
  }
}

/** "Saturday 14:00 (in 3 hours)". */
function atWords(d: Date, now: number, zone: string): string {
  return `${dayAndTime(d, now, zone)} (${relativeWords(d, now)})`;
}

/** The status sentence: "Up to date", "First import: fetching week 3 of 200 from Moves". */
function statusWords(s: Situation): string {
  if (s.busy) return busyWords(s);
  switch (s.status) {
    case 'not_connected':
      return 'Moves is not connected';
    case 'needs_reauth':
      return s.ohNeedsReauth
        ? 'Open Humans no longer accepts our access: sign in with Open Humans again to continue'
        : 'Moves no longer accepts our access: reconnect Moves to continue';
    case 'idle':
      return 'Waiting for the first import';
    case 'up_to_date':
      return 'Up to date';
    case 'error':
      return s.nextRun
        ? `The last attempt failed: trying again ${atWords(s.nextRun, s.i.now, s.i.zone)}`
        : 'The update failed: press "Update now" to try again, or wait for the next automatic update';
    default:
      return statusLabel(s.status);
  }
}

/** The next automatic (scheduled) update: due staleAfterHours after the last success. */
function nextAutomaticRun(s: Situation): { nextRunAt: Date | null; nextRunText: string } {
  const { now, zone } = s.i;
  const staleMs = s.i.staleAfterHours * 3600_000;
  if (!s.connected) return { nextRunAt: null, nextRunText: 'None: Moves is not connected' };
  if (s.needsReauth)
    return {
      nextRunAt: null,
      nextRunText: s.ohNeedsReauth
        ? 'None until you sign in with Open Humans again'
        : 'None until you reconnect Moves',
    };
  if (s.busy || (s.status === 'error' && s.nextRun))
    return {
      nextRunAt: null,
      nextRunText: `${formatDuration(staleMs)} after this ${s.firstImport ? 'import' : 'update'} finishes`,
    };
  if (s.lastSuccess) {
    const nextRunAt = new Date(Math.max(now, s.lastSuccess.getTime() + staleMs));
    return { nextRunAt, nextRunText: formatWhen(nextRunAt, now, zone) };
  }
  return {
    nextRunAt: null,
    nextRunText: 'Within the hour (the scheduler retries members without a successful import)',
  };
}

/** What went wrong, in the member's terms, and the stored error behind it. */
function lastErrorOf(s: Situation): { lastError: string | null; lastErrorText: string | null } {
  const lastError =
    s.status === 'error' || s.status === 'needs_reauth' ? (s.i.state?.lastError ?? null) : null;
  let lastErrorText: string | null = null;
  if (s.status === 'needs_reauth' && s.ohNeedsReauth)
    lastErrorText = `Open Humans refused our access (you may have left the project there, or the authorization expired). Sign in with Open Humans again: your data so far is kept.`;
  else if (s.status === 'needs_reauth')
    // The status sentence already says what happened; the stored error would repeat it.
    lastErrorText = `Moves refused our access (the app was disconnected in Moves, or the authorization expired). Reconnect Moves: your data so far is kept.`;
  else if (s.status === 'error')
    lastErrorText = `${lastError ?? 'The update did not finish.'} ${s.nextRun ? 'We try again automatically.' : 'Automatic retries stopped.'} Your data so far is kept.`;
  return { lastError, lastErrorText };
}

/** The "Update now" button, with the manual-update cooldown as the server enforces it (routes/update.ts). */
function updateButton(s: Situation): DashboardStatus['update'] {
  const now = s.i.now;
  const cooldownMs = s.i.cooldownMinutes * 60_000;
  const last = s.i.state?.lastManualRequestAt?.getTime();
  const off = (reason: string, label = 'Update now', availableAt: string | null = null) => ({
    available: false,
    availableAt,
    label,
    reason,
  });
  if (!s.connected) return off('Connect Moves first');
  if (s.needsReauth)
    return off(s.ohNeedsReauth ? 'Sign in with Open Humans again first' : 'Reconnect Moves first');
  if (s.busy && s.firstImport) return off('Available when the first import has finished');
  if (last !== undefined && last + cooldownMs > now) {
    const availableAt = new Date(last + cooldownMs);
    return off(
      'Manual updates are limited so that everyone shares the Moves rate limit fairly',
      `Available again in ${formatDuration(availableAt.getTime() - now)}`,
      availableAt.toISOString(),
    );
  }
  if (s.busy) return off(s.status === 'queued' ? 'An update is about to start' : 'An update is running now');
  return { available: true, availableAt: null, label: 'Update now', reason: null };
}

function downloadButton(s: Situation): DashboardStatus['download'] {
  if (s.ohNeedsReauth) return { available: false, reason: 'Sign in with Open Humans again first' };
  if (s.i.hasFile) return { available: true, reason: null };
  return {
    available: false,
    reason: s.busy
      ? 'Available once the import has published your file to Open Humans'
      : 'There is no file on Open Humans yet',
  };
}

export function describeStatus(i: StatusInput): DashboardStatus {
  const s = situationOf(i);
  const { connected, busy, weeksDone, weeksTotal, lastSuccess } = s;
  const { nextRunAt, nextRunText } = nextAutomaticRun(s);
  return {
    connected,
    needsReauth: s.needsReauth,
    firstImport: s.firstImport,
    reconnect: s.ohNeedsReauth
      ? { href: '/login', label: 'Sign in with Open Humans again' }
      : { href: '/connect/moves', label: 'Reconnect Moves' },
    status: s.status,
    words: statusWords(s),
    busy,
    weeksDone,
    weeksTotal,
    percent: weeksTotal > 0 ? Math.min(100, Math.round((weeksDone / weeksTotal) * 100)) : null,
    progressText:
      weeksTotal > 0
        ? `${weeksDone.toLocaleString('en-GB')} of ${plural(weeksTotal, 'week')} fetched`
        : connected
          ? 'No weeks fetched yet'
          : '',
    lastSuccessAt: lastSuccess?.toISOString() ?? null,
    lastSuccessText: lastSuccess
      ? formatWhen(lastSuccess, i.now, i.zone)
      : busy
        ? 'Not yet: the first import is running'
        : 'Never',
    nextRunAt: nextRunAt?.toISOString() ?? null,
    nextRunText,
    ...lastErrorOf(s),
    update: updateButton(s),
    download: downloadButton(s),
  };
}
