// Runs the chosen roles in one process; `stop` closes them in order (web, then the queue and the database).
import type { FastifyInstance } from 'fastify';
import { removeCrashLeftovers } from './archive/uploads.ts';
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
  const leftovers = await removeCrashLeftovers(ctx);
  if (leftovers)
    ctx.logger.info({ removed: leftovers }, 'removed uploads and import files a stopped process left');
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
