// The oh-moves command line: `oh-moves <command> [options]`. Every command has --help.
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './logger.ts';
import { buildContext } from './context.ts';
import { runService, stopOnSignals, type Roles } from './service.ts';
import { openDatabase } from './db/database.ts';
import { runMigrations } from './db/migrate.ts';
import { LockHeldError } from './db/lock-file.ts';
import { startSandbox, type SandboxOptions } from './sandbox.ts';
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
      const logger = createLogger(config.logLevel);
      // The sandbox's emulators start before the context: its clients are built from their URLs and credentials.
      const sandbox =
        withSandbox && config.sandbox ? await startSandbox(config, sandboxOptions(logger)) : undefined;
      if (sandbox) config = sandbox.config;
      else if (config.sandbox)
        logger.warn(
          'no Open Humans or Moves credentials configured: run `start` for the sandbox with emulators',
        );
      let ctx;
      try {
        ctx = await buildContext({
          config,
          logger,
          boss: { schedule: roles.scheduler, supervise: roles.worker },
        });
      } catch (err) {
        await sandbox?.close();
        throw err;
      }
      const service = await runService(ctx, roles, sandbox ? { afterStop: () => sandbox.close() } : {});
      if (service.url) logger.info({ url: config.appBaseUrl }, `oh-moves is running at ${config.appBaseUrl}`);
      stopOnSignals(service, (code) => process.exit(code));
      return 'running';
    },
  };
}

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
  emulator: {
    summary:
      'Run one emulator alone: `emulator moves` or `emulator openhumans` (--port, --time-scale, limits)',
    usage: '<moves|openhumans> [--port P] [--host H] [--time-scale S] [emulator options]',
    options: { ...help },
    ownArgs: true,
    async run({ positionals }) {
      const [which, ...args] = positionals;
      const logger = createLogger((process.env.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'info');
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
  },
  'update-data': {
    summary: 'Run one scheduler pass now: enqueue every member whose data is stale, print how many',
    usage: '',
    options: { ...help },
    async run() {
      const config = readConfig();
      const logger = createLogger(config.logLevel);
      const { runSchedulerPass } = await import('./sync/scheduler-pass.ts');
      const ctx = await buildContext({ config, logger, boss: { schedule: false, supervise: false } });
      try {
        const { enqueued, memberIds } = await runSchedulerPass(ctx);
        console.log(
          enqueued === 0
            ? 'No member needed an update.'
            : `Enqueued ${enqueued} member${enqueued === 1 ? '' : 's'} for an update: ${memberIds.join(', ')}`,
        );
      } finally {
        await ctx.close();
      }
      return 0;
    },
  },
  bench: {
    summary:
      'Run the benchmark suite against the emulators (results in bench/results/, see docs/performance.md)',
    usage: '[--quick] [scenario…]',
    options: { ...help, quick: { type: 'boolean' } },
    allowPositionals: true,
    async run({ values, positionals }) {
      const { runBench } = await import('../bench/run.ts');
      return runBench([...(values.quick ? ['--quick'] : []), ...positionals]);
    },
  },
  migrate: {
    summary: 'Apply database migrations and exit',
    usage: '',
    options: { ...help },
    async run() {
      const config = readConfig();
      const logger = createLogger(config.logLevel);
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        await runMigrations(database);
        logger.info({ store: database.kind }, 'migrations applied');
      } finally {
        await database.close();
      }
      return 0;
    },
  },
  'import-users': {
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
      const config = readConfig();
      const logger = createLogger(config.logLevel);
      // A context without workers or cron: this command only queues the syncs.
      const ctx = await buildContext({ config, logger, boss: { schedule: false, supervise: false } });
      try {
        const { importUsers, formatImportReport } = await import('./accounts/import-users.ts');
        const summary = await importUsers(ctx, text, { delimiter });
        console.log(formatImportReport(summary));
        return summary.counts.failed > 0 ? 1 : 0;
      } finally {
        await ctx.close();
      }
    },
  },
  'import-archive': {
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
      const config = readConfig();
      const logger = createLogger(config.logLevel);
      // A context without workers or cron: this command stores weeks and only queues the sync.
      const ctx = await buildContext({ config, logger, boss: { schedule: false, supervise: false } });
      try {
        const { importArchive, formatArchiveReport, ArchiveError, UnknownMemberError } =
          await import('./archive/index.ts');
        try {
          console.log(formatArchiveReport(await importArchive(ctx, { ohMemberId: member, file })));
          return 0;
        } catch (err) {
          if (!(err instanceof ArchiveError || err instanceof UnknownMemberError)) throw err;
          console.error(`oh-moves: import-archive: ${err.message}. Nothing was imported.`);
          return 1;
        }
      } finally {
        await ctx.close();
      }
    },
  },
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
    if (!/^\d{1,5}$/.test(raw.trim()) || Number(raw) > 65535)
      throw new ConfigError([
        `${name}: must be a port number from 0 to 65535 (0 = any free port), got "${raw}"`,
      ]);
    return Number(raw);
  };
  return { logger, movesPort: port('SANDBOX_MOVES_PORT'), openHumansPort: port('SANDBOX_OPENHUMANS_PORT') };
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
