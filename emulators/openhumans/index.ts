// Public entry points of the Open Humans emulator: start it in-process, or parse the CLI options of
// `oh-moves emulator openhumans`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { buildApp } from './app.ts';
import type { EmulatorContext } from './context.ts';
import { DownloadKeys } from './downloads.ts';
import { Faults } from './faults.ts';
import { randomHex } from './ids.ts';
import { openHumansSnapshotSchema, restoreState, snapshotState } from './persistence.ts';
import { EmulatorState } from './state.ts';
import { EmulatorStats } from './stats.ts';
import { StorageSigner } from './storage-endpoint.ts';
import { ObjectStorage } from './storage.ts';
import {
  openHumansControlClient,
  type OpenHumansControlClient,
  type OpenHumansProjectRegistration,
} from './client.ts';
import { COMMON_EMULATOR_OPTIONS, parseCommonEmulatorArgs } from '../shared/cli-args.ts';
import { StateFile } from '../shared/state-file.ts';

export interface OpenHumansEmulatorOptions {
  host?: string;
  port?: number /* 0 = random */;
  timeScale?: number;
  storageDir?: string;
  /** Keep projects, members, tokens and file records in this JSON file across restarts (with storageDir). */
  stateFile?: string;
  logger?: Logger;
}

export interface RunningOpenHumansEmulator {
  url: string /* http://127.0.0.1:PORT, no trailing slash */;
  port: number;
  close(): Promise<void>;
  // in-process shortcuts used by the sandbox and tests (same effect as the control API):
  createProject(p: OpenHumansProjectRegistration): { master_token: string; id: number };
  createMember(m?: { username?: string }): { project_member_id: string };
  /** The whole control API over HTTP. */
  control: OpenHumansControlClient;
}

export async function startOpenHumansEmulator(
  opts: OpenHumansEmulatorOptions = {},
): Promise<RunningOpenHumansEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const ownsStorage = opts.storageDir === undefined;
  const storageDir = opts.storageDir ?? (await mkdtemp(join(tmpdir(), 'oh-emulator-')));
  const storage = new ObjectStorage(storageDir);
  await storage.init();
  const state = new EmulatorState();
  if (opts.timeScale !== undefined) state.clock.timeScale = validTimeScale(opts.timeScale);
  const saved = opts.stateFile ? StateFile.load(opts.stateFile, openHumansSnapshotSchema) : undefined;
  if (saved) restoreState(state, storage, saved);
  const stateFile = opts.stateFile
    ? new StateFile(opts.stateFile, () => snapshotState(state, storage))
    : undefined;
  let url = '';
  const ctx: EmulatorContext = {
    state,
    storage,
    faults: new Faults(),
    stats: new EmulatorStats(),
    downloadKeys: new DownloadKeys(),
    signer: new StorageSigner(randomHex(32)),
    knownPaths: new Set(),
    sessionSecret: randomHex(32),
    sessions: new Map(),
    logger: (opts.logger ?? pino({ level: 'warn' })).child({ emulator: 'openhumans' }),
    baseUrl: () => url,
  };
  const app = await buildApp(ctx);
  // Every change comes through a request other than GET (OAuth, uploads, control) or a shortcut below.
  if (stateFile)
    app.addHook('onResponse', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') stateFile.schedule();
    });
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  url = `http://${urlHost}:${port}`;
  ctx.logger.info({ url, storageDir, timeScale: state.clock.timeScale }, 'Open Humans emulator listening');
  return {
    url,
    port,
    async close() {
      await app.close();
      stateFile?.save();
      if (ownsStorage) await rm(storageDir, { recursive: true, force: true });
    },
    createProject(p) {
      const project = state.createProject(p);
      stateFile?.save();
      return { master_token: project.masterToken, id: project.id };
    },
    createMember(m) {
      const { projectMemberId } = state.createMember(m?.username);
      stateFile?.save();
      return { project_member_id: projectMemberId };
    },
    control: openHumansControlClient(url),
  };
}

function validTimeScale(s: number): number {
  if (!Number.isFinite(s) || s <= 0) throw new Error(`time scale must be a positive number, got ${s}`);
  return s;
}

export function parseOpenHumansEmulatorArgs(argv: string[]): OpenHumansEmulatorOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...COMMON_EMULATOR_OPTIONS,
      'storage-dir': { type: 'string' },
    },
  });
  const opts: OpenHumansEmulatorOptions = {};
  Object.assign(opts, parseCommonEmulatorArgs(values));
  if (values['storage-dir'] !== undefined) {
    if (values['storage-dir'].trim() === '') throw new Error('--storage-dir must not be empty');
    opts.storageDir = values['storage-dir'];
  }
  return opts;
}
