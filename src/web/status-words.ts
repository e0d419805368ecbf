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

export function describeStatus(i: StatusInput): DashboardStatus {
  const { account, state, now, zone } = i;
  const connected = account !== undefined;
  const refused = reconnectNeeded({ ohNeedsReauth: i.ohNeedsReauth === true }, account);
  const ohNeedsReauth = refused === 'openhumans';
  const needsReauth = refused !== null;
  const status = !connected ? 'not_connected' : needsReauth ? 'needs_reauth' : (state?.status ?? 'idle');
  const weeksDone = state?.weeksDone ?? 0;
  const weeksTotal = state?.weeksTotal ?? 0;
  const nextRun = state?.nextRunAt && state.nextRunAt.getTime() > now ? state.nextRunAt : null;
  const lastSuccess = state?.lastSuccessAt ?? null;
  const firstImport = connected && lastSuccess === null;
  const busy = BUSY_STATES.has(status);
  const at = (d: Date) => `${dayAndTime(d, now, zone)} (${relativeWords(d, now)})`;
  const fetching = (what: string) =>
    weeksTotal > 0
      ? `${what}: fetching week ${Math.min(weeksDone + 1, weeksTotal)} of ${weeksTotal} from Moves`
      : null;

  let words: string;
  switch (status) {
    case 'not_connected':
      words = 'Moves is not connected';
      break;
    case 'needs_reauth':
      words = ohNeedsReauth
        ? 'Open Humans no longer accepts our access: sign in with Open Humans again to continue'
        : 'Moves no longer accepts our access: reconnect Moves to continue';
      break;
    case 'idle':
      words = 'Waiting for the first import';
      break;
    case 'queued':
      if (nextRun && nextRun.getTime() - now > 5000)
        words = `${firstImport ? 'The first import' : 'An update'} is queued to start ${at(nextRun)}`;
      else words = `${firstImport ? 'The first import' : 'An update'} starts in a moment`;
      break;
    case 'running':
      words = firstImport
        ? (fetching('First import') ?? 'First import: asking Moves for your profile')
        : (fetching('Updating') ?? 'Updating: asking Moves what changed');
      break;
    case 'waiting_rate_limit': {
      const who = firstImport ? 'The first import' : 'The update';
      words = nextRun
        ? `${who} is paused for the Moves rate limit until ${clockTime(nextRun, zone)} (${relativeWords(nextRun, now)}): Moves answers only so many requests a minute and an hour, and it continues by itself`
        : `${who} continues after a pause for the Moves rate limit`;
      break;
    }
    case 'uploading':
      words =
        firstImport && weeksDone < weeksTotal
          ? `First import: publishing the ${plural(weeksDone, 'week')} fetched so far to Open Humans`
          : 'Publishing your file to Open Humans';
      break;
    case 'up_to_date':
      words = 'Up to date';
      break;
    case 'error':
      words = nextRun
        ? `The last attempt failed: trying again ${at(nextRun)}`
        : 'The update failed: press "Update now" to try again, or wait for the next automatic update';
      break;
    default:
      words = statusLabel(status);
  }

  const percent = weeksTotal > 0 ? Math.min(100, Math.round((weeksDone / weeksTotal) * 100)) : null;
  const progressText =
    weeksTotal > 0
      ? `${weeksDone.toLocaleString('en-GB')} of ${plural(weeksTotal, 'week')} fetched`
      : connected
        ? 'No weeks fetched yet'
        : '';

  // The next automatic (scheduled) update: due staleAfterHours after the last success.
  const staleMs = i.staleAfterHours * 3600_000;
  let nextRunAt: Date | null = null;
  let nextRunText: string;
  if (!connected) nextRunText = 'None: Moves is not connected';
  else if (needsReauth)
    nextRunText = ohNeedsReauth
      ? 'None until you sign in with Open Humans again'
      : 'None until you reconnect Moves';
  else if (busy || (status === 'error' && nextRun))
    nextRunText = `${formatDuration(staleMs)} after this ${firstImport ? 'import' : 'update'} finishes`;
  else if (lastSuccess) {
    nextRunAt = new Date(Math.max(now, lastSuccess.getTime() + staleMs));
    nextRunText = formatWhen(nextRunAt, now, zone);
  } else nextRunText = 'Within the hour (the scheduler retries members without a successful import)';

  const lastError = status === 'error' || status === 'needs_reauth' ? (state?.lastError ?? null) : null;
  let lastErrorText: string | null = null;
  if (status === 'needs_reauth' && ohNeedsReauth)
    lastErrorText = `Open Humans refused our access (you may have left the project there, or the authorization expired). Sign in with Open Humans again: your data so far is kept.`;
  else if (status === 'needs_reauth')
    // The status sentence already says what happened; the stored error would repeat it.
    lastErrorText = `Moves refused our access (the app was disconnected in Moves, or the authorization expired). Reconnect Moves: your data so far is kept.`;
  else if (status === 'error')
    lastErrorText = `${lastError ?? 'The update did not finish.'} ${nextRun ? 'We try again automatically.' : 'Automatic retries stopped.'} Your data so far is kept.`;

  // The manual-update cooldown, as the server enforces it (routes/update.ts).
  let update: DashboardStatus['update'];
  const cooldownMs = i.cooldownMinutes * 60_000;
  const last = state?.lastManualRequestAt?.getTime();
  const off = (reason: string, label = 'Update now', availableAt: string | null = null) => ({
    available: false,
    availableAt,
    label,
    reason,
  });
  if (!connected) update = off('Connect Moves first');
  else if (needsReauth)
    update = off(ohNeedsReauth ? 'Sign in with Open Humans again first' : 'Reconnect Moves first');
  else if (busy && firstImport) update = off('Available when the first import has finished');
  else if (last !== undefined && last + cooldownMs > now) {
    const availableAt = new Date(last + cooldownMs);
    update = off(
      'Manual updates are limited so that everyone shares the Moves rate limit fairly',
      `Available again in ${formatDuration(availableAt.getTime() - now)}`,
      availableAt.toISOString(),
    );
  } else if (busy)
    update = off(status === 'queued' ? 'An update is about to start' : 'An update is running now');
  else update = { available: true, availableAt: null, label: 'Update now', reason: null };

  let download: DashboardStatus['download'];
  if (ohNeedsReauth) download = { available: false, reason: 'Sign in with Open Humans again first' };
  else if (i.hasFile) download = { available: true, reason: null };
  else
    download = {
      available: false,
      reason: busy
        ? 'Available once the import has published your file to Open Humans'
        : 'There is no file on Open Humans yet',
    };

  return {
    connected,
    needsReauth,
    firstImport,
    reconnect: ohNeedsReauth
      ? { href: '/login', label: 'Sign in with Open Humans again' }
      : { href: '/connect/moves', label: 'Reconnect Moves' },
    status,
    words,
    busy,
    weeksDone,
    weeksTotal,
    percent,
    progressText,
    lastSuccessAt: lastSuccess?.toISOString() ?? null,
    lastSuccessText: lastSuccess
      ? formatWhen(lastSuccess, now, zone)
      : busy
        ? 'Not yet: the first import is running'
        : 'Never',
    nextRunAt: nextRunAt?.toISOString() ?? null,
    nextRunText,
    lastError,
    lastErrorText,
    update,
    download,
  };
}
