// The oh-moves command line: `oh-moves <command> [options]`. Every command has --help.
import './compile-cache.ts';
import './drizzle-resolve.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import path from 'node:path';
import { chooseLogFormat, createLogger } from './logger.ts';
import type { AppContext } from './context.ts';
import type { Roles } from './service.ts';
import { describeStart, stopOnSignals } from './process-lifecycle.ts';
import { acquireDirectoryLock, LockHeldError } from './db/lock-file.ts';
import type { SandboxOptions } from './sandbox.ts';
import { parsePort } from '../emulators/shared/cli-args.ts';
import type { Logger } from 'pino';

export class UsageError extends Error {
  override name = 'UsageError';
}

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
  /** The command parses its own arguments (e.g. `emulator`, which hands them to the emulator). */
  ownArgs?: boolean;
  run(args: { values: Record<string, unknown>; positionals: string[] }): Promise<number | 'running'>;
}

const help = { help: { type: 'boolean', short: 'h' } } as const;

function serviceCommand(summary: string, roles: Roles, withSandbox = false): Command {
  return {
    summary,
    usage: '',
    options: { ...help },
    async run() {
      let config = readConfig();
      const logger = loggerFor(config);
      const sandboxed = withSandbox && config.sandbox;
      // The embedded database's lock comes first: a second start in the same folder stops before anything runs.
      const lock = config.databaseUrl ? undefined : acquireDirectoryLock(path.resolve(config.dataDir));
      logger.info(describeStart(config, roles, sandboxed));
      if (config.sandbox && !sandboxed)
        logger.warn(
          'no Open Humans or Moves credentials configured: run `start` for the sandbox with emulators',
        );
      const signals = stopOnSignals(logger, config.shutdownTimeoutMs, (code) => process.exit(code));
      const [{ openDatabase }, { buildContext }, { runService }] = await Promise.all([
        import('./db/database.ts'),
        import('./context.ts'),
        import('./service.ts'),
      ]);
      // The emulators and the database start side by side; the context's clients need the emulators' URLs.
      const [opened, started] = await Promise.allSettled([
        openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, ...(lock ? { lock } : {}) }),
        sandboxed
          ? import('./sandbox.ts').then((m) => m.startSandbox(config, sandboxOptions(logger)))
          : undefined,
      ]);
      const sandbox = started.status === 'fulfilled' ? started.value : undefined;
      const database = opened.status === 'fulfilled' ? opened.value : undefined;
      const closeOpened = async () => {
        await database?.close();
        lock?.release();
        await sandbox?.close();
      };
      if (!database || started.status === 'rejected') {
        await closeOpened();
        throw opened.status === 'rejected' ? opened.reason : (started as PromiseRejectedResult).reason;
      }
      if (signals.stopIfRequested(closeOpened)) return 'running';
      if (sandbox) config = sandbox.config;
      let ctx;
      try {
        ctx = await buildContext({
          config,
          logger,
          database,
          boss: { schedule: roles.scheduler, supervise: roles.worker },
          // Holding the embedded store's lock proves no other process runs jobs on it: every job still active
          // belongs to a process that died, and goes back to the queue now rather than when its heartbeat lapses.
          recoverJobs: lock !== undefined,
          ...(sandbox ? { sampleExports: sandbox.samples } : {}),
        });
      } catch (err) {
        await sandbox?.close();
        throw err;
      }
      const service = await runService(ctx, roles, sandbox ? { afterStop: () => sandbox.close() } : {});
      if (service.url)
        logger.info(
          { url: service.url, appBaseUrl: config.appBaseUrl },
          roles.worker
            ? `oh-moves is running at ${service.url}`
            : `oh-moves web is listening at ${service.url} (public URL ${config.appBaseUrl})`,
        );
      else
        logger.info(
          { pid: process.pid },
          `oh-moves ${roles.web ? 'web' : 'worker'} is running (pid ${process.pid})`,
        );
      signals.running(service.stop);
      return 'running';
    },
  };
}

/**
 * Runs `fn` on a context without workers or cron (the command stores and queues; the workers do the rest),
 * closed when `fn` ends.
 */
async function withCommandContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = readConfig();
  const logger = loggerFor(config);
  const { buildContext } = await import('./context.ts');
  const ctx = await buildContext({ config, logger, boss: { schedule: false, supervise: false } });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

const emulatorCommand: Command = {
  summary: 'Run one emulator alone: `emulator moves` or `emulator openhumans` (--port, --time-scale, limits)',
  usage: '<moves|openhumans> [--port P] [--host H] [--time-scale S] [emulator options]',
  options: { ...help },
  ownArgs: true,
  async run({ positionals }) {
    const [which, ...args] = positionals;
    const logger = loggerFor({
      logLevel: (process.env.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'info',
      logFormat: (process.env.LOG_FORMAT as Config['logFormat'] | undefined) ?? 'auto',
    });
    let running: { url: string; close(): Promise<void> };
    if (which === 'moves') {
      const { parseMovesEmulatorArgs, startMovesEmulator } = await import('../emulators/moves/index.ts');
      running = await startMovesEmulator({
        ...parseArgsOrUsage(() => parseMovesEmulatorArgs(args)),
        logger,
      });
    } else if (which === 'openhumans') {
      const { parseOpenHumansEmulatorArgs, startOpenHumansEmulator } =
        await import('../emulators/openhumans/index.ts');
      running = await startOpenHumansEmulator({
        ...parseArgsOrUsage(() => parseOpenHumansEmulatorArgs(args)),
        logger,
      });
    } else {
      throw new UsageError(`emulator: say which one, "moves" or "openhumans" (got "${which ?? ''}")`);
    }
    logger.info({ url: running.url }, `${which} emulator listening at ${running.url}`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return 'running';
  },
};

const emulatorsCommand: Command = {
  summary:
    'Run both emulators for trying served mode: registers the app and writes the variables web and worker need to .env.served',
  usage:
    '[--app-url URL] [--database-url URL] [--moves-port P] [--openhumans-port P] [--out FILE] (see docs/operating.md)',
  options: {
    ...help,
    'app-url': { type: 'string', default: 'http://127.0.0.1:5000' },
    'database-url': { type: 'string' },
    'moves-port': { type: 'string', default: '5010' },
    'openhumans-port': { type: 'string', default: '5020' },
    out: { type: 'string', default: '.env.served' },
  },
  async run({ values }) {
    const { startServedEmulators } = await import('./served-emulators.ts');
    const running = await startServedEmulators({
      env: process.env,
      appUrl: values['app-url'] as string,
      databaseUrl: (values['database-url'] as string | undefined) ?? process.env.DATABASE_URL,
      movesPort: parseArgsOrUsage(() => parsePort('--moves-port', values['moves-port'] as string)),
      openHumansPort: parseArgsOrUsage(() =>
        parsePort('--openhumans-port', values['openhumans-port'] as string),
      ),
      outFile: values.out as string,
    });
    console.log(running.summary);
    const stop = () => void running.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return 'running';
  },
};

const dbTemplateCommand: Command = {
  summary:
    'Build the migrated database a fresh embedded data folder starts from (npm install runs this; optional)',
  usage: '',
  options: { ...help },
  async run() {
    const { buildTemplate } = await import('./db/pglite-template.ts');
    const { prepareDatabase } = await import('./db/prepare.ts');
    const { wrapPglite } = await import('./db/database.ts');
    try {
      const dir = await buildTemplate((pglite) => prepareDatabase(wrapPglite(pglite)));
      console.log(`oh-moves: database template ready in ${dir}`);
    } catch (err) {
      // Never fails an install: without a template the first start builds its database itself.
      console.warn(`oh-moves: no database template (${(err as Error).message}); the first start builds one`);
    }
    return 0;
  },
};

const updateDataCommand: Command = {
  summary: 'Run one scheduler pass now: enqueue every member whose data is stale, print how many',
  usage: '',
  options: { ...help },
  async run() {
    const { runSchedulerPass } = await import('./sync/scheduler-pass.ts');
    const { enqueued, memberIds } = await withCommandContext(runSchedulerPass);
    console.log(
      enqueued === 0
        ? 'No member needed an update.'
        : `Enqueued ${enqueued} member${enqueued === 1 ? '' : 's'} for an update: ${memberIds.join(', ')}`,
    );
    return 0;
  },
};

const benchCommand: Command = {
  summary:
    'Run the benchmark suite against the emulators (results in bench/results/, see docs/performance.md)',
  usage: '[--quick] [scenario…]',
  options: { ...help, quick: { type: 'boolean' } },
  allowPositionals: true,
  async run({ values, positionals }) {
    // The benchmark is its own program (bench/run.ts, `npm run bench`): the service never imports it.
    const entry = new URL('../bench/run.ts', import.meta.url);
    const args = [...(values.quick ? ['--quick'] : []), ...positionals];
    const child = spawn(process.execPath, [...process.execArgv, entry.pathname, ...args], {
      stdio: 'inherit',
    });
    return new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  },
};

const migrateCommand: Command = {
  summary: 'Apply database migrations (ours and the job queue schema) and exit',
  usage: '',
  options: { ...help },
  async run() {
    const config = readConfig();
    const logger = loggerFor(config);
    const { openDatabase } = await import('./db/database.ts');
    const { prepareDatabase } = await import('./db/prepare.ts');
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      // The job queue's schema too: web and worker processes that start together then find it in place
      // instead of racing to create it.
      await prepareDatabase(database);
      logger.info({ store: database.kind }, 'migrations applied');
    } finally {
      await database.close();
    }
    return 0;
  },
};

const importUsersCommand: Command = {
  summary:
    'Import members from the legacy integration (CSV: oh_project_member_id,oh_refresh_token,moves_refresh_token)',
  usage: '--infile FILE [--delimiter ,]',
  options: { ...help, infile: { type: 'string' }, delimiter: { type: 'string', default: ',' } },
  async run({ values }) {
    const infile = values.infile as string | undefined;
    if (!infile) throw new UsageError('import-users needs --infile FILE');
    const delimiter = values.delimiter as string;
    if (delimiter.length !== 1) throw new UsageError('--delimiter must be a single character');
    let text: string;
    try {
      text = fs.readFileSync(infile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${infile}: ${(err as Error).message}`);
    }
    const { importUsers, formatImportReport } = await import('./accounts/import-users.ts');
    const summary = await withCommandContext((ctx) => importUsers(ctx, text, { delimiter }));
    console.log(formatImportReport(summary));
    return summary.counts.failed > 0 ? 1 : 0;
  },
};

const importArchiveCommand: Command = {
  summary:
    "Import a member's Moves export (moves_export.zip, json.zip or a storyline JSON array) and queue a sync",
  usage: '--member ID FILE',
  options: { ...help, member: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }) {
    const member = values.member as string | undefined;
    if (!member || !/^\d{8}$/.test(member))
      throw new UsageError('import-archive needs --member ID (the 8-digit Open Humans project member id)');
    if (positionals.length !== 1) throw new UsageError('import-archive needs exactly one FILE');
    const file = positionals[0]!;
    if (!fs.existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
    const { importArchive, formatArchiveReport, ArchiveError, UnknownMemberError } =
      await import('./archive/index.ts');
    return withCommandContext(async (ctx) => {
      try {
        console.log(formatArchiveReport(await importArchive(ctx, { ohMemberId: member, file })));
        return 0;
      } catch (err) {
        if (!(err instanceof ArchiveError || err instanceof UnknownMemberError)) throw err;
        console.error(`oh-moves: import-archive: ${err.message}. Nothing was imported.`);
        return 1;
      }
    });
  },
};

export const COMMANDS: Record<string, Command> = {
  start: serviceCommand(
    'Run every role in one process (web, worker, scheduler; the sandbox without credentials)',
    {
      web: true,
      worker: true,
      scheduler: true,
    },
    true,
  ),
  web: serviceCommand('Run the web role only (served mode, with DATABASE_URL)', {
    web: true,
    worker: false,
    scheduler: false,
  }),
  worker: serviceCommand('Run the worker and scheduler roles only (served mode, with DATABASE_URL)', {
    web: false,
    worker: true,
    scheduler: true,
  }),
  emulator: emulatorCommand,
  emulators: emulatorsCommand,
  'db-template': dbTemplateCommand,
  'update-data': updateDataCommand,
  bench: benchCommand,
  migrate: migrateCommand,
  'import-users': importUsersCommand,
  'import-archive': importArchiveCommand,
};

function parseArgsOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** SANDBOX_MOVES_PORT / SANDBOX_OPENHUMANS_PORT fix the emulators' ports (default: free ones). */
function sandboxOptions(logger: Logger): SandboxOptions {
  const port = (name: string): number => {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === '') return 0;
    try {
      return parsePort(name, raw);
    } catch (err) {
      throw new ConfigError([(err as Error).message]);
    }
  };
  return { logger, movesPort: port('SANDBOX_MOVES_PORT'), openHumansPort: port('SANDBOX_OPENHUMANS_PORT') };
}

function loggerFor(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  return createLogger(config.logLevel, undefined, chooseLogFormat(config.logFormat));
}

function readConfig(): Config {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  return loadConfig(process.env);
}

export function usage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: oh-moves <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    '',
    'Run `oh-moves <command> --help` for the options of a command.',
  ].join('\n');
}

function commandHelp(name: string, cmd: Command): string {
  const opts = Object.entries(cmd.options).map(
    ([k, o]) => `  --${k}${o.type === 'string' ? ' <value>' : ''}${o.short ? `, -${o.short}` : ''}`,
  );
  return [
    `Usage: oh-moves ${name}${cmd.usage ? ` ${cmd.usage}` : ''}`,
    '',
    cmd.summary,
    '',
    'Options:',
    ...opts,
  ].join('\n');
}

/** Runs the CLI. Resolves to an exit code, or 'running' for long-lived commands. */
export async function main(argv: string[]): Promise<number | 'running'> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  if (cmd.ownArgs && rest.length > 0 && rest[0] !== '--help' && rest[0] !== '-h')
    return cmd.run({ values: {}, positionals: rest });
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: cmd.options,
      allowPositionals: cmd.allowPositionals ?? false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${commandHelp(name, cmd)}`);
  }
  if (parsed.values.help) {
    console.log(commandHelp(name, cmd));
    return 0;
  }
  return cmd.run({ values: parsed.values as Record<string, unknown>, positionals: parsed.positionals });
}

function isEntryPoint(): boolean {
  const entry = process.argv[1] ?? '';
  return /cli\.ts$/.test(entry) || /oh-moves(\.js)?$/.test(entry);
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 'running') process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError || err instanceof ConfigError || err instanceof LockHeldError) {
        console.error(`oh-moves: ${err.message}`);
        process.exit(2);
      }
      console.error('oh-moves: failed:', err);
      process.exit(1);
    },
  );
}
