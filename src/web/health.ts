// /healthz: is the database reachable, is the job queue running, which version is this.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';

/** A probe this young is the answer: health checks in between cost the database nothing. */
const FRESH_MS = 1000;
/**
 * While a new probe waits its turn (the embedded database runs one query at a time, and a backfill keeps it busy),
 * a probe up to this old still answers at once. Older, the request waits for the probe, which PROBE_TIMEOUT_MS
 * bounds: a database that stopped answering shows within about PROBE_TIMEOUT_MS + STALE_MS.
 */
const STALE_MS = 5000;
const PROBE_TIMEOUT_MS = 2000;

interface Probe {
  database: boolean;
  queue: boolean;
}

async function check(what: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      what(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function probe(ctx: AppContext): Promise<Probe> {
  const database = await check(() => ctx.database.sql.query('select 1'));
  const queue = database && (await check(() => ctx.queue.check()));
  return { database, queue };
}

/** The latest probe while it is fresh (or stale but a newer one is on its way); one probe at a time. */
function cachedProbe(ctx: AppContext): () => Promise<Probe> {
  let last: { at: number; result: Probe } | undefined;
  let running: Promise<Probe> | undefined;
  return () => {
    // Shutting down: no cached "ok" for a database that is closing.
    if (ctx.shutdownSignal.aborted) return probe(ctx);
    const age = last ? Date.now() - last.at : Infinity;
    if (last && age < FRESH_MS) return Promise.resolve(last.result);
    running ??= probe(ctx)
      .then((result) => {
        last = { at: Date.now(), result };
        return result;
      })
      .finally(() => (running = undefined));
    return last && age < STALE_MS ? Promise.resolve(last.result) : running;
  };
}

export function registerHealthRoute(app: FastifyInstance, ctx: AppContext): void {
  const current = cachedProbe(ctx);
  // A signed-in cookie (a browser, a load test) must not make the check wait for the member's row.
  app.get('/healthz', { config: { withoutMember: true } }, async (_req, reply) => {
    const { database, queue: queueUp } = await current();
    const queue = !ctx.shutdownSignal.aborted && queueUp;
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
