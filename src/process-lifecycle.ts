// What a service process says when it starts, and how it stops: SIGINT/SIGTERM lead to a bounded, clean shutdown
// from the first moment of start-up. Light on imports: the CLI loads it before deciding what else to load.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Roles } from './service.ts';

/** The database the process uses, for the first log line: a folder, or a server without its credentials. */
export function describeStore(config: Config): string {
  if (!config.databaseUrl) return `embedded database in ${path.join(path.resolve(config.dataDir), 'pg')}`;
  const u = new URL(config.databaseUrl);
  return `PostgreSQL at ${u.host}${u.pathname}`;
}

/** The first line a process logs: what it runs, in which mode, where it will listen and where its data lives. */
export function describeStart(config: Config, roles: Roles, sandbox: boolean): string {
  const what = Object.entries(roles)
    .filter(([, on]) => on)
    .map(([role]) => role)
    .join(' + ');
  const mode = sandbox
    ? 'sandbox mode (no Open Humans or Moves credentials: local emulators stand in for both)'
    : config.mode === 'import-only'
      ? `import-only mode (Open Humans at ${config.openHumans.baseUrl}; no Moves credentials: members bring their Moves export, the Moves connection is off)`
      : `served mode (Open Humans at ${config.openHumans.baseUrl}, Moves at ${config.moves.apiBase})`;
  const address = roles.web
    ? `, web on http://${config.host}:${config.port === 0 ? '<free port>' : config.port}`
    : '';
  return `oh-moves starting ${what} in ${mode}${address}, ${describeStore(config)}`;
}

export interface SignalStopper {
  /** True once SIGINT or SIGTERM arrived. */
  readonly requested: boolean;
  /** During start-up: if a signal arrived, stop what is open so far (and exit) and return true. */
  stopIfRequested(stop: () => Promise<void>): boolean;
  /** Start-up is over: a signal now runs `stop` (at once, if one already arrived). */
  running(stop: () => Promise<void>): void;
}

/**
 * Wires SIGINT/SIGTERM to a bounded shutdown from the first moment of start-up; a second signal or the deadline
 * exits at once. One Ctrl-C often arrives twice: the terminal signals the whole process group of `npm start`
 * and npm relays it to its child too. A repeat within a second is that echo, not a second Ctrl-C.
 */
export function stopOnSignals(
  logger: Logger,
  shutdownTimeoutMs: number,
  onStopped: (code: number) => void,
): SignalStopper {
  let signalledAt: number | undefined;
  let stopping = false;
  let stopWith: (() => Promise<void>) | undefined;
  const stop = (run: () => Promise<void>) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      onStopped(1);
    }, shutdownTimeoutMs + 5000);
    deadline.unref();
    run().then(
      () => {
        clearTimeout(deadline);
        logger.info('stopped cleanly');
        onStopped(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        onStopped(1);
      },
    );
  };
  const handle = (signal: NodeJS.Signals) => {
    if (signalledAt !== undefined) {
      if (Date.now() - signalledAt < 1000) return;
      logger.warn({ signal }, 'second signal: exiting now');
      onStopped(1);
      return;
    }
    signalledAt = Date.now();
    logger.info(
      { signal },
      stopWith ? 'shutting down: finishing running jobs' : 'shutting down: start-up stops here',
    );
    if (stopWith) stop(stopWith);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return {
    get requested() {
      return signalledAt !== undefined;
    },
    stopIfRequested(run) {
      if (signalledAt === undefined) return false;
      stop(run);
      return true;
    },
    running(run) {
      stopWith = run;
      if (signalledAt !== undefined) stop(run);
    },
  };
}
