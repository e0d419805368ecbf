// /healthz: is the database reachable, is the job queue running, which version is this.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';

async function check(what: () => Promise<unknown>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      what(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', async (_req, reply) => {
    const database = await check(() => ctx.database.sql.query('select 1'));
    const queue = !ctx.shutdownSignal.aborted && database && (await check(() => ctx.queue.check()));
    const ok = database && queue;
    return reply
      .code(ok ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({
        status: ok ? 'ok' : 'unavailable',
        database,
        queue,
        version: ctx.version,
        sandbox: ctx.config.sandbox,
      });
  });
}
