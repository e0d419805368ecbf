// Public entry: start the Moves API v1.1 emulator in-process or from the CLI.
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { defaultConfig, type ConfigPatch } from './config.ts';
import { EmulatorContext } from './context.ts';
import { applyConfig } from './control-routes.ts';
import {
  movesControlClient,
  type MovesAppRegistration,
  type MovesControlClient,
  type MovesUserSpec,
} from './client.ts';
import { movesSnapshotSchema, restoreStore, snapshotStore } from './persistence.ts';
import { buildServer } from './server.ts';
import { COMMON_EMULATOR_OPTIONS, parseCommonEmulatorArgs, parsePositive } from '../shared/cli-args.ts';
import { StateFile } from '../shared/state-file.ts';

export { generateStorylineDay, type GeneratorUser, type DayOptions } from './generator.ts';

export interface MovesEmulatorOptions {
  host?: string;
  port?: number;
  timeScale?: number;
  minuteLimit?: number;
  hourLimit?: number;
  rateScope?: 'user' | 'app';
  logger?: Logger;
  /** Keep apps, users, grants and tokens in this JSON file across restarts (default: in memory only). */
  stateFile?: string;
}

export interface RunningMovesEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
  registerClient(c: MovesAppRegistration): void;
  createUser(u: MovesUserSpec): { userId: string };
  /** same as POST /_control/config */
  configure(patch: ConfigPatch): void;
  /** The whole control API over HTTP. */
  control: MovesControlClient;
}

export async function startMovesEmulator(opts: MovesEmulatorOptions = {}): Promise<RunningMovesEmulator> {
  const config = defaultConfig();
  validateOptions(opts);
  if (opts.timeScale !== undefined) config.timeScale = opts.timeScale;
  if (opts.minuteLimit !== undefined) config.minuteLimit = opts.minuteLimit;
  if (opts.hourLimit !== undefined) config.hourLimit = opts.hourLimit;
  if (opts.rateScope !== undefined) config.rateScope = opts.rateScope;
  const ctx = new EmulatorContext(config, opts.logger);
  const saved = opts.stateFile ? StateFile.load(opts.stateFile, movesSnapshotSchema) : undefined;
  if (saved) restoreStore(ctx.store, saved);
  const state = opts.stateFile
    ? new StateFile(opts.stateFile, () => snapshotStore(ctx.store, ctx.clock.now()))
    : undefined;
  const app = buildServer(ctx);
  // Every change comes through a request other than GET (OAuth, control) or an in-process shortcut below.
  if (state)
    app.addHook('onResponse', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') state.schedule();
    });
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    async close() {
      await app.close();
      state?.save();
    },
    registerClient: (c) => {
      ctx.store.registerClient(c);
      state?.save();
    },
    createUser: (u) => {
      const { userId } = ctx.store.createUser(u);
      state?.save();
      return { userId };
    },
    configure: (patch) => applyConfig(ctx, patch),
    control: movesControlClient(`http://${urlHost}:${port}`),
  };
}

function validateOptions(opts: MovesEmulatorOptions): void {
  for (const [name, v] of [
    ['timeScale', opts.timeScale],
    ['minuteLimit', opts.minuteLimit],
    ['hourLimit', opts.hourLimit],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new Error(`${name} must be a positive number`);
  }
  if (opts.rateScope !== undefined && opts.rateScope !== 'user' && opts.rateScope !== 'app')
    throw new Error('rateScope must be user or app');
}

/** `--port --host --time-scale --minute-limit --hour-limit --rate-scope`; throws a clear Error on bad values. */
export function parseMovesEmulatorArgs(argv: string[]): MovesEmulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...COMMON_EMULATOR_OPTIONS,
      'minute-limit': { type: 'string' },
      'hour-limit': { type: 'string' },
      'rate-scope': { type: 'string' },
    },
  });
  const opts: MovesEmulatorOptions = {};
  Object.assign(opts, parseCommonEmulatorArgs(values));
  const minuteLimit = parsePositive('minute-limit', values['minute-limit'], true);
  if (minuteLimit !== undefined) opts.minuteLimit = minuteLimit;
  const hourLimit = parsePositive('hour-limit', values['hour-limit'], true);
  if (hourLimit !== undefined) opts.hourLimit = hourLimit;
  const scope = values['rate-scope'];
  if (scope !== undefined) {
    if (scope !== 'user' && scope !== 'app')
      throw new Error(`--rate-scope must be "user" or "app", got "${scope}"`);
    opts.rateScope = scope;
  }
  return opts;
}
