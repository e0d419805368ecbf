// The sandbox: without upstream credentials, `oh-moves start` runs the Moves and Open Humans emulators in this
// process, registers the app with both (redirect URLs, Moves notification URL, Open Humans deauthorization
// webhook and secret) and hands back a Config whose credentials and base URLs point at them. Start it BEFORE
// buildContext: the context builds its clients from that Config.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from 'pino';
import { startMovesEmulator, type RunningMovesEmulator } from '../emulators/moves/index.ts';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../emulators/openhumans/index.ts';
import type { SampleExports } from './archive/sample-exports.ts';
import type { Config } from './config.ts';

export interface SandboxOptions {
  logger: Logger;
  /** Ports for the emulators; 0 (the default) picks free ones. */
  movesPort?: number;
  openHumansPort?: number;
  /** Keep the Open Humans emulator's stored files under DATA_DIR (default true). */
  persistStorage?: boolean;
}

export interface Sandbox {
  /** The app's configuration with the emulators' URLs and the generated credentials filled in. */
  config: Config;
  moves: RunningMovesEmulator;
  openHumans: RunningOpenHumansEmulator;
  /** Sample exports from the Moves emulator: give them to buildContext (`sampleExports`). */
  samples: SampleExports;
  close(): Promise<void>;
}

/** A free TCP port on the host (for an app configured with PORT=0, whose redirect URLs must be known up front). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const secret = (bytes = 24) => crypto.randomBytes(bytes).toString('base64url');

export async function startSandbox(base: Config, opts: SandboxOptions): Promise<Sandbox> {
  if (!base.sandbox)
    throw new Error('startSandbox: the configuration has real credentials; the sandbox is not used');
  const { logger } = opts;
  let config: Config = { ...base };
  if (config.port === 0) {
    const port = await freePort(config.host);
    const defaultBase = /^http:\/\/127\.0\.0\.1:0$/.test(config.appBaseUrl);
    const defaultRedirect = config.moves.redirectUri === `${config.appBaseUrl}/moves_complete`;
    config = { ...config, port };
    if (defaultBase) config.appBaseUrl = `http://127.0.0.1:${port}`;
    if (defaultRedirect)
      config.moves = { ...config.moves, redirectUri: `${config.appBaseUrl}/moves_complete` };
  }
  const appBase = config.appBaseUrl;
  const storageDir =
    opts.persistStorage === false ? undefined : path.resolve(config.dataDir, 'sandbox', 'openhumans-storage');
  if (storageDir) fs.mkdirSync(storageDir, { recursive: true });

  const moves = await startMovesEmulator({
    port: opts.movesPort ?? 0,
    timeScale: config.moves.timeScale,
    minuteLimit: config.moves.minuteLimit,
    hourLimit: config.moves.hourLimit,
    rateScope: config.moves.rateScope,
    logger: logger.child({ sandbox: 'moves' }),
  });
  let openHumans: RunningOpenHumansEmulator;
  try {
    openHumans = await startOpenHumansEmulator({
      port: opts.openHumansPort ?? 0,
      timeScale: config.moves.timeScale,
      ...(storageDir ? { storageDir } : {}),
      logger: logger.child({ sandbox: 'openhumans' }),
    });
  } catch (err) {
    await moves.close();
    throw err;
  }

  config = registerApp(config, moves, openHumans);
  logger.info(
    { moves: moves.url, openHumans: openHumans.url, app: appBase },
    'sandbox: Moves and Open Humans emulators running; sign in as a new demo member to try the app',
  );
  return {
    config,
    moves,
    openHumans,
    samples: sampleExports(moves),
    async close() {
      await Promise.allSettled([moves.close(), openHumans.close()]);
    },
  };
}

/** Registers the app with both emulators under fresh credentials: the Config that uses them. */
function registerApp(
  config: Config,
  moves: RunningMovesEmulator,
  openHumans: RunningOpenHumansEmulator,
): Config {
  const appBase = config.appBaseUrl;
  const oh = {
    clientId: `sandbox-oh-${secret(6)}`,
    clientSecret: secret(),
    webhookSecret: secret(),
  };
  const mv = { clientId: `sandbox-moves-${secret(6)}`, clientSecret: secret() };
  moves.registerClient({
    client_id: mv.clientId,
    client_secret: mv.clientSecret,
    redirect_uris: [config.moves.redirectUri],
    notification_url: `${appBase}/webhooks/moves/notify`,
    name: 'Moves for Open Humans (sandbox)',
  });
  openHumans.createProject({
    client_id: oh.clientId,
    client_secret: oh.clientSecret,
    redirect_uri: `${appBase}/complete`,
    webhook_url: `${appBase}/webhooks/openhumans/deauth`,
    webhook_secret: oh.webhookSecret,
    name: 'Moves for Open Humans (sandbox)',
  });

  return {
    ...config,
    sandbox: true,
    openHumans: {
      ...config.openHumans,
      clientId: oh.clientId,
      clientSecret: oh.clientSecret,
      baseUrl: openHumans.url,
      webhookSecret: oh.webhookSecret,
    },
    moves: { ...config.moves, clientId: mv.clientId, clientSecret: mv.clientSecret, apiBase: moves.url },
  };
}

/** A new demo user of the Moves emulator for each sample, its history starting 60 days before `today`. */
function sampleExports(moves: RunningMovesEmulator): SampleExports {
  return {
    async download(today) {
      const first = new Date(today.getTime() - 60 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
      const { userId } = await moves.control.createUser({ firstDate: first, timeZone: 'Europe/Berlin' });
      const res = await moves.control.exportArchive(userId);
      if (!res.body) throw new Error('the Moves emulator sent an empty export');
      return Readable.fromWeb(res.body as WebReadableStream);
    },
  };
}
