// Both emulators in this process, time-scaled, with one registered app on each and the environment that
// points oh-moves at them.
import { pino } from 'pino';
import { startMovesEmulator, type RunningMovesEmulator } from '../../emulators/moves/index.ts';
import type { StatsSnapshot } from '../../emulators/moves/stats.ts';
import type { OpenHumansStats } from '../../emulators/openhumans/client.ts';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';

export interface EmulatorSettings {
  timeScale: number;
  minuteLimit: number;
  hourLimit: number;
  rateScope: 'user' | 'app';
}

export type MovesStats = StatsSnapshot;
export type { OpenHumansStats };

/** What another process needs to talk to the emulators (plain data: it crosses to child processes). */
export interface EmulatorEndpoints {
  movesUrl: string;
  openHumansUrl: string;
  settings: EmulatorSettings;
  /** The app's environment: credentials, URLs, limits and the time scale. */
  appEnv: Record<string, string>;
  movesClient: { id: string; secret: string; redirectUri: string };
  ohProject: { id: string; secret: string; redirectUri: string; masterToken: string };
}

export interface BenchEmulators extends EmulatorEndpoints {
  moves: RunningMovesEmulator;
  openHumans: RunningOpenHumansEmulator;
  endpoints(): EmulatorEndpoints;
  movesStats(): Promise<MovesStats>;
  openHumansStats(): Promise<OpenHumansStats>;
  /** Lets time pass on both emulators (the app's clock is moved separately). */
  setClockOffset(ms: number): Promise<void>;
  close(): Promise<void>;
}

const APP_BASE_URL = 'http://127.0.0.1:5999';

export async function startBenchEmulators(settings: EmulatorSettings): Promise<BenchEmulators> {
  const logger = pino({ level: 'warn' });
  const moves = await startMovesEmulator({ ...settings, logger });
  const openHumans = await startOpenHumansEmulator({ timeScale: settings.timeScale, logger });
  const movesClient = {
    id: 'bench-moves-client',
    secret: 'bench-moves-secret-0123456789',
    redirectUri: `${APP_BASE_URL}/moves_complete`,
  };
  moves.registerClient({
    client_id: movesClient.id,
    client_secret: movesClient.secret,
    redirect_uris: [movesClient.redirectUri],
  });
  const ohRedirect = `${APP_BASE_URL}/complete`;
  const project = openHumans.createProject({
    client_id: 'bench-oh-client',
    client_secret: 'bench-oh-secret-0123456789',
    redirect_uri: ohRedirect,
  });
  const ohProject = {
    id: 'bench-oh-client',
    secret: 'bench-oh-secret-0123456789',
    redirectUri: ohRedirect,
    masterToken: project.master_token,
  };
  const appEnv: Record<string, string> = {
    APP_BASE_URL,
    SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmnop',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    OH_CLIENT_ID: ohProject.id,
    OH_CLIENT_SECRET: ohProject.secret,
    OH_BASE_URL: openHumans.url,
    MOVES_CLIENT_ID: movesClient.id,
    MOVES_CLIENT_SECRET: movesClient.secret,
    MOVES_API_BASE: moves.url,
    MOVES_REDIRECT_URI: movesClient.redirectUri,
    MOVES_RATE_SCOPE: settings.rateScope,
    MOVES_MINUTE_LIMIT: String(settings.minuteLimit),
    MOVES_HOUR_LIMIT: String(settings.hourLimit),
    MOVES_TIME_SCALE: String(settings.timeScale),
  };
  const endpoints: EmulatorEndpoints = {
    movesUrl: moves.url,
    openHumansUrl: openHumans.url,
    settings,
    appEnv,
    movesClient,
    ohProject,
  };
  return {
    ...endpoints,
    endpoints: () => endpoints,
    moves,
    openHumans,
    movesStats: () => moves.control.stats(),
    openHumansStats: () => openHumans.control.stats(),
    async setClockOffset(ms) {
      moves.configure({ clockOffsetMs: ms });
      await openHumans.control.configure({ clockOffsetMs: Math.round(ms) });
    },
    async close() {
      await Promise.allSettled([moves.close(), openHumans.close()]);
    },
  };
}

/** Moves API requests (not OAuth or control calls) by status, from the emulator's per-route stats. */
export function apiRequestCounts(stats: MovesStats): { requests: number; http429: number } {
  let requests = 0;
  let http429 = 0;
  for (const [route, byStatus] of Object.entries(stats.byRoute)) {
    if (!route.includes('/api/')) continue;
    for (const [status, n] of Object.entries(byStatus)) {
      requests += n;
      if (status === '429') http429 += n;
    }
  }
  return { requests, http429 };
}

/** Moves API requests and Open Humans bytes since a reading of both emulators' counters. */
export interface Traffic {
  requests: number;
  http429: number;
  bytesUploaded: number;
  bytesDownloaded: number;
}

/** Reads both emulators' counters now; the returned function gives what passed since. */
export async function trafficSince(emu: BenchEmulators): Promise<() => Promise<Traffic>> {
  const moves0 = apiRequestCounts(await emu.movesStats());
  const oh0 = await emu.openHumansStats();
  return async () => {
    const moves1 = apiRequestCounts(await emu.movesStats());
    const oh1 = await emu.openHumansStats();
    return {
      requests: moves1.requests - moves0.requests,
      http429: moves1.http429 - moves0.http429,
      bytesUploaded: oh1.bytesUploaded - oh0.bytesUploaded,
      bytesDownloaded: oh1.bytesDownloaded - oh0.bytesDownloaded,
    };
  };
}
