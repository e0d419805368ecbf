// The member's sync state in plain words, shared by the dashboard page and its JSON status endpoint.
// Pure: everything comes in as arguments, including "now".
import { DateTime } from 'luxon';

export interface StatusInput {
  account: { status: string } | undefined;
  /** Open Humans refused our tokens (members.ohNeedsReauth): the member must sign in again. */
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
  now: number;
  cooldownMinutes: number;
  staleAfterHours: number;
}

export interface DashboardStatus {
  connected: boolean;
  needsReauth: boolean;
  /** Where the "reconnect" button goes: Moves, or Open Humans when it is Open Humans that refused. */
  reconnect: { href: string; label: string };
  status: string;
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
}

/** "42 s", "3 min", "2 h 5 min", "3 days". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.ceil(s / 60);
  if (min <= 60) return `${min} min`;
  const h = Math.floor(min / 60);
  const rest = min % 60;
  if (h < 48) return rest ? `${h} h ${rest} min` : `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** "850 bytes", "20 KB", "13.4 MB" (1024-based, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const kb = bytes / 1024;
  if (kb < 1024) return `${Math.round(kb)} KB`;
  const mb = kb / 1024;
  return `${mb < 100 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

export function formatWhen(date: Date, now: number): string {
  const abs = DateTime.fromJSDate(date, { zone: 'utc' }).toFormat("d LLL yyyy, HH:mm 'UTC'");
  const diff = date.getTime() - now;
  if (Math.abs(diff) < 5000) return `${abs} (now)`;
  return diff < 0 ? `${abs} (${formatDuration(-diff)} ago)` : `${abs} (in ${formatDuration(diff)})`;
}

const BUSY = new Set(['queued', 'running', 'waiting_rate_limit', 'uploading']);

export function describeStatus(i: StatusInput): DashboardStatus {
  const { account, state, now } = i;
  const connected = account !== undefined;
  const ohNeedsReauth = i.ohNeedsReauth === true;
  const movesNeedsReauth = account?.status === 'needs_reauth';
  // A needs_reauth state with neither flag set is left from before the member authorized again: the sync
  // queued at that sign-in clears it.
  const needsReauth = ohNeedsReauth || movesNeedsReauth;
  const stateStatus = state?.status === 'needs_reauth' ? 'queued' : state?.status;
  const status = !connected ? 'not_connected' : needsReauth ? 'needs_reauth' : (stateStatus ?? 'idle');
  const weeksDone = state?.weeksDone ?? 0;
  const weeksTotal = state?.weeksTotal ?? 0;
  const nextRun = state?.nextRunAt && state.nextRunAt.getTime() > now ? state.nextRunAt : null;

  let words: string;
  switch (status) {
    case 'not_connected':
      words = 'Moves is not connected yet';
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
      words =
        nextRun && nextRun.getTime() - now > 1000
          ? `Queued: the next import starts in ${formatDuration(nextRun.getTime() - now)}`
          : 'Queued: starting shortly';
      break;
    case 'running':
      words =
        weeksTotal > 0
          ? `Fetching week ${Math.min(weeksDone + 1, weeksTotal)} of ${weeksTotal} from Moves`
          : 'Starting: asking Moves for your profile';
      break;
    case 'waiting_rate_limit':
      words = nextRun
        ? `Waiting ${formatDuration(nextRun.getTime() - now)} for Moves' rate limit`
        : "Resuming after Moves' rate limit";
      break;
    case 'uploading':
      words = 'Uploading to Open Humans';
      break;
    case 'up_to_date':
      words = 'Up to date';
      break;
    case 'error':
      words = 'The last update failed: it will be retried automatically';
      break;
    default:
      words = status.replace(/_/g, ' ');
  }

  const percent = weeksTotal > 0 ? Math.min(100, Math.round((weeksDone / weeksTotal) * 100)) : null;
  const progressText =
    weeksTotal > 0 ? `${weeksDone} of ${weeksTotal} weeks fetched` : connected ? 'No weeks fetched yet' : '';

  const lastSuccess = state?.lastSuccessAt ?? null;
  let nextRunAt: Date | null = nextRun;
  if (!nextRunAt && lastSuccess && connected && !needsReauth)
    nextRunAt = new Date(Math.max(now, lastSuccess.getTime() + i.staleAfterHours * 3600_000));

  const lastError = status === 'error' || status === 'needs_reauth' ? (state?.lastError ?? null) : null;
  let lastErrorText: string | null = null;
  if (status === 'needs_reauth' && ohNeedsReauth)
    lastErrorText = `Open Humans refused our access (you may have left the project there, or the authorization expired). Sign in with Open Humans again: your data so far is kept.`;
  else if (status === 'needs_reauth')
    lastErrorText = `${lastError ? `${lastError}. ` : ''}Moves refused our access (the app was disconnected in Moves, or the authorization expired). Reconnect Moves: your data so far is kept.`;
  else if (lastError)
    lastErrorText = `${lastError}. We try again automatically; you can also press "Update now".`;

  // The manual-update cooldown, as the server enforces it (routes/update.ts).
  let update: DashboardStatus['update'];
  const cooldownMs = i.cooldownMinutes * 60_000;
  const last = state?.lastManualRequestAt?.getTime();
  if (!connected)
    update = { available: false, availableAt: null, label: 'Update now', reason: 'Connect Moves first' };
  else if (needsReauth)
    update = {
      available: false,
      availableAt: null,
      label: 'Update now',
      reason: ohNeedsReauth ? 'Sign in with Open Humans again first' : 'Reconnect Moves first',
    };
  else if (last !== undefined && last + cooldownMs > now) {
    const at = new Date(last + cooldownMs);
    update = {
      available: false,
      availableAt: at.toISOString(),
      label: `Available again in ${formatDuration(at.getTime() - now)}`,
      reason: 'Manual updates are limited so that everyone shares the Moves rate limit fairly',
    };
  } else update = { available: true, availableAt: null, label: 'Update now', reason: null };

  return {
    connected,
    needsReauth,
    reconnect: ohNeedsReauth
      ? { href: '/login', label: 'Sign in with Open Humans again' }
      : { href: '/connect/moves', label: 'Reconnect Moves' },
    status,
    words,
    busy: BUSY.has(status),
    weeksDone,
    weeksTotal,
    percent,
    progressText,
    lastSuccessAt: lastSuccess?.toISOString() ?? null,
    lastSuccessText: lastSuccess ? formatWhen(lastSuccess, now) : 'Never',
    nextRunAt: nextRunAt?.toISOString() ?? null,
    nextRunText: nextRunAt
      ? formatWhen(nextRunAt, now)
      : connected && !needsReauth
        ? 'After the first import'
        : '—',
    lastError,
    lastErrorText,
    update,
  };
}
