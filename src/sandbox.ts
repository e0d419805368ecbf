// The sandbox: without upstream credentials, `oh-moves start` runs the Moves and Open Humans emulators in this
// process, registers the app with both (redirect URLs, Moves notification URL, Open Humans deauthorization
// webhook and secret) and hands back a Config whose credentials and base URLs point at them. Start it BEFORE
// buildContext: the context builds its clients from that Config. The emulators' accounts, tokens and files and
// the app's credentials with them are kept under DATA_DIR/sandbox, so a restarted sandbox carries on where the
// database does. The Open Humans project is number 138, the original Moves project's, so published files have
// the `source` existing notebooks look for (`direct-sharing-138`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from 'pino';
import { startMovesEmulator, type RunningMovesEmulator } from '../emulators/moves/index.ts';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../emulators/openhumans/index.ts';
import { z } from 'zod';
import type { SampleExports } from './archive/sample-exports.ts';
import type { Config } from './config.ts';

export interface SandboxOptions {
  logger: Logger;
  /** Ports for the emulators; 0 (the default) picks free ones. */
  movesPort?: number;
  openHumansPort?: number;
  /** Keep the emulators' state, stored files and the app's credentials under DATA_DIR (default true). */
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

/** The Open Humans project id of the original Moves integration: notebooks find its files by this source. */
export const SANDBOX_OH_PROJECT_ID = 138;

interface SandboxCredentials {
  oh: { clientId: string; clientSecret: string; webhookSecret: string };
  moves: { clientId: string; clientSecret: string };
}

const credentialsSchema = z.object({
  oh: z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    webhookSecret: z.string().min(1),
  }),
  moves: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }),
});

/** The app's credentials with the emulators: those of the previous start when kept, else new ones (then kept). */
function sandboxCredentials(dir: string | undefined): SandboxCredentials {
  const file = dir ? path.join(dir, 'credentials.json') : undefined;
  if (file && fs.existsSync(file)) {
    const parsed = credentialsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(`${file} is not the sandbox's credentials; move it away to start afresh`);
    return parsed.data;
  }
  const fresh: SandboxCredentials = {
    oh: { clientId: `sandbox-oh-${secret(6)}`, clientSecret: secret(), webhookSecret: secret() },
    moves: { clientId: `sandbox-moves-${secret(6)}`, clientSecret: secret() },
  };
  if (file) fs.writeFileSync(file, JSON.stringify(fresh), { mode: 0o600 });
  return fresh;
}

/** With PORT=0 the app's port is chosen now: its redirect URLs must be known before the emulators start. */
async function withFixedPort(config: Config): Promise<Config> {
  if (config.port !== 0) return config;
  const port = await freePort(config.host);
  const defaultBase = /^http:\/\/127\.0\.0\.1:0$/.test(config.appBaseUrl);
  const defaultRedirect = config.moves.redirectUri === `${config.appBaseUrl}/moves_complete`;
  const fixed = { ...config, port };
  if (defaultBase) fixed.appBaseUrl = `http://127.0.0.1:${port}`;
  if (defaultRedirect) fixed.moves = { ...fixed.moves, redirectUri: `${fixed.appBaseUrl}/moves_complete` };
  return fixed;
}

/** Both emulators, their state kept under `dir` when given; neither is left running when the other fails. */
async function startEmulators(config: Config, dir: string | undefined, opts: SandboxOptions) {
  const { logger } = opts;
  const storageDir = dir ? path.join(dir, 'openhumans-storage') : undefined;
  if (storageDir) fs.mkdirSync(storageDir, { recursive: true });
  const moves = await startMovesEmulator({
    port: opts.movesPort ?? 0,
    timeScale: config.moves.timeScale,
    minuteLimit: config.moves.minuteLimit,
    hourLimit: config.moves.hourLimit,
    rateScope: config.moves.rateScope,
    ...(dir ? { stateFile: path.join(dir, 'moves-state.json') } : {}),
    logger: logger.child({ sandbox: 'moves' }),
  });
  try {
    const openHumans = await startOpenHumansEmulator({
      port: opts.openHumansPort ?? 0,
      timeScale: config.moves.timeScale,
      ...(dir ? { storageDir, stateFile: path.join(dir, 'openhumans-state.json') } : {}),
      logger: logger.child({ sandbox: 'openhumans' }),
    });
    return { moves, openHumans };
  } catch (err) {
    await moves.close();
    throw err;
  }
}

export async function startSandbox(base: Config, opts: SandboxOptions): Promise<Sandbox> {
  if (!base.sandbox)
    throw new Error('startSandbox: the configuration has real credentials; the sandbox is not used');
  const { logger } = opts;
  let config = await withFixedPort({ ...base });
  const appBase = config.appBaseUrl;
  const dir = opts.persistStorage === false ? undefined : path.resolve(config.dataDir, 'sandbox');
  const { moves, openHumans } = await startEmulators(config, dir, opts);

  let oh: SandboxCredentials['oh'];
  let mv: SandboxCredentials['moves'];
  try {
    ({ oh, moves: mv } = sandboxCredentials(dir));
    await registerApp(config, moves, openHumans, { oh, moves: mv });
  } catch (err) {
    await Promise.allSettled([moves.close(), openHumans.close()]);
    throw err;
  }

  config = {
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
  logger.info(
    { moves: moves.url, openHumans: openHumans.url, app: appBase, kept: dir ?? null },
    dir
      ? 'sandbox: Moves and Open Humans emulators running; their members and files are kept in the data folder'
      : 'sandbox: Moves and Open Humans emulators running; sign in as a new demo member to try the app',
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

/**
 * Registers the app with both emulators (again after a restart: the ports and so the URLs may have changed),
 * the Open Humans project as number 138 with the data types OH_DATATYPES names (created in the emulator's
 * catalogue when missing, so a sandbox tries them as a registered project would).
 */
async function registerApp(
  config: Config,
  moves: RunningMovesEmulator,
  openHumans: RunningOpenHumansEmulator,
  creds: SandboxCredentials,
): Promise<void> {
  const appBase = config.appBaseUrl;
  moves.registerClient({
    client_id: creds.moves.clientId,
    client_secret: creds.moves.clientSecret,
    redirect_uris: [config.moves.redirectUri],
    notification_url: `${appBase}/webhooks/moves/notify`,
    name: 'Moves for Open Humans (sandbox)',
  });
  const wanted = config.openHumans.datatypes;
  const known = await openHumans.control.dataTypes();
  for (const name of wanted) {
    const exists = /^\d+$/.test(name) || known.some((t) => t.name.toLowerCase() === name.toLowerCase());
    if (!exists) await openHumans.control.createDataType({ name, description: 'Added by the sandbox' });
  }
  const project = {
    id: SANDBOX_OH_PROJECT_ID,
    client_id: creds.oh.clientId,
    client_secret: creds.oh.clientSecret,
    redirect_uri: `${appBase}/complete`,
    webhook_url: `${appBase}/webhooks/openhumans/deauth`,
    webhook_secret: creds.oh.webhookSecret,
    name: 'Moves for Open Humans (sandbox)',
    registered_datatypes: wanted.map((t) => (/^\d+$/.test(t) ? Number(t) : t)),
  };
  try {
    openHumans.createProject(project);
  } catch (err) {
    throw new Error(
      `the sandbox could not register with its Open Humans emulator (${(err as Error).message}): ` +
        `the kept state in ${path.join(config.dataDir, 'sandbox')} does not match; move that folder away to start afresh`,
      { cause: err },
    );
  }
}
