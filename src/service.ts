// Runs the chosen roles in one process and stops them cleanly on SIGINT/SIGTERM within a bounded time.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { buildWebApp } from './web/app.ts';
import { startWorker } from './jobs/worker.ts';
import { jobHandlers } from './jobs/handlers.ts';
import { startScheduler } from './jobs/scheduler.ts';

export interface Roles {
  web: boolean;
  worker: boolean;
  scheduler: boolean;
}

export interface RunningService {
  ctx: AppContext;
  web?: FastifyInstance;
  url?: string;
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** Runs after the context closed (the sandbox stops its emulators here). */
  afterStop?: () => Promise<void>;
}

export async function runService(
  ctx: AppContext,
  roles: Roles,
  opts: RunServiceOptions = {},
): Promise<RunningService> {
  let web: FastifyInstance | undefined;
  let url: string | undefined;
  if (roles.worker) await startWorker(ctx, jobHandlers);
  if (roles.scheduler) await startScheduler(ctx);
  if (roles.web) {
    web = await buildWebApp(ctx);
    url = await web.listen({ port: ctx.config.port, host: ctx.config.host });
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Web first (no new requests enqueue work), then the queue and the database.
      await web
        ?.close()
        .catch((err: unknown) => ctx.logger.error({ err }, 'web server did not close cleanly'));
      await ctx.close();
      await opts.afterStop?.();
    })());
  return { ctx, web, url, stop };
}

/** Wires SIGINT/SIGTERM to a bounded shutdown; a second signal or the deadline exits at once. */
export function stopOnSignals(service: RunningService, onStopped: (code: number) => void): void {
  const { logger, config } = service.ctx;
  let signalled = false;
  const handle = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      onStopped(1);
      return;
    }
    signalled = true;
    logger.info({ signal }, 'shutting down: finishing running jobs');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      onStopped(1);
    }, config.shutdownTimeoutMs + 5000);
    deadline.unref();
    service.stop().then(
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
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
