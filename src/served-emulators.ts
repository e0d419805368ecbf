// `oh-moves emulators`: served mode without real credentials. Starts the Moves and Open Humans emulators on fixed
// ports, registers the app with both (as the sandbox does) and writes every variable the `web` and `worker`
// processes need to one env file, so trying several processes on PostgreSQL takes one command and a `source`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { loadConfig } from './config.ts';
import { chooseLogFormat, createLogger } from './logger.ts';
import { startSandbox } from './sandbox.ts';

export interface ServedEmulatorsOptions {
  env: NodeJS.ProcessEnv;
  /** Where members reach the web processes (a load balancer, or the first web process). */
  appUrl: string;
  databaseUrl: string | undefined;
  movesPort: number;
  openHumansPort: number;
  outFile: string;
}

export const DEFAULT_SERVED_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ohmoves';

/** Emulator settings the app must share (time scale, limits): passed through when set. */
const SHARED = ['MOVES_TIME_SCALE', 'MOVES_MINUTE_LIMIT', 'MOVES_HOUR_LIMIT', 'MOVES_RATE_SCOPE'] as const;

export async function startServedEmulators(opts: ServedEmulatorsOptions) {
  const shared = Object.fromEntries(
    SHARED.filter((k) => opts.env[k] !== undefined).map((k) => [k, opts.env[k]!]),
  );
  const base = loadConfig({
    ...shared,
    APP_BASE_URL: opts.appUrl,
    ...(opts.env.DATA_DIR ? { DATA_DIR: opts.env.DATA_DIR } : {}),
    ...(opts.env.LOG_LEVEL ? { LOG_LEVEL: opts.env.LOG_LEVEL } : {}),
  });
  const logger = createLogger(
    base.logLevel,
    undefined,
    chooseLogFormat(opts.env.LOG_FORMAT as 'pretty' | 'json' | 'auto' | undefined),
  );
  const sandbox = await startSandbox(base, {
    logger,
    movesPort: opts.movesPort,
    openHumansPort: opts.openHumansPort,
  });
  const c = sandbox.config;
  const variables: Record<string, string> = {
    DATABASE_URL: opts.databaseUrl ?? DEFAULT_SERVED_DATABASE_URL,
    SECRET_KEY: crypto.randomBytes(36).toString('base64url'),
    APP_BASE_URL: c.appBaseUrl,
    OH_CLIENT_ID: c.openHumans.clientId,
    OH_CLIENT_SECRET: c.openHumans.clientSecret,
    OH_WEBHOOK_SECRET: c.openHumans.webhookSecret ?? '',
    OH_BASE_URL: c.openHumans.baseUrl,
    MOVES_CLIENT_ID: c.moves.clientId,
    MOVES_CLIENT_SECRET: c.moves.clientSecret,
    MOVES_API_BASE: c.moves.apiBase,
    MOVES_REDIRECT_URI: c.moves.redirectUri,
    ...shared,
  };
  const text = [
    '# Written by `oh-moves emulators`: served mode against the local emulators (valid while they run).',
    '# Load in each shell with: set -a; . ./' + opts.outFile.replace(/^\.\//, '') + '; set +a',
    ...Object.entries(variables).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n');
  fs.writeFileSync(opts.outFile, text, { mode: 0o600 });
  const summary = [
    `Moves emulator at ${sandbox.moves.url}, Open Humans emulator at ${sandbox.openHumans.url}; the app is registered with both.`,
    `These variables are in ${opts.outFile}${opts.databaseUrl ? '' : ' (DATABASE_URL is a default: change it to your PostgreSQL server)'}:`,
    '',
    text,
    'Next (docs/operating.md, "Trying served mode"): load the file in each shell, then',
    '  npx oh-moves migrate; PORT=5000 npx oh-moves web; PORT=5001 npx oh-moves web; npx oh-moves worker (twice)',
    'Ctrl-C stops the emulators.',
  ].join('\n');
  return { summary, variables, close: () => sandbox.close() };
}
