// Prometheus metrics: requests to each upstream by status, 429s, rate-limit waits, jobs by outcome, bytes published.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  upstreamRequests: Counter<'service' | 'status'>;
  moves429: Counter;
  rateLimitWaits: Counter;
  syncJobs: Counter<'outcome'>;
  bytesPublished: Counter;
}

/** One registry per context (not prom-client's global), so tests and several contexts never collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ohmoves_process_' });
  return {
    registry,
    upstreamRequests: new Counter({
      name: 'ohmoves_upstream_requests_total',
      help: 'HTTP requests to Moves and Open Humans, by service and response status (or "error")',
      labelNames: ['service', 'status'],
      registers: [registry],
    }),
    moves429: new Counter({
      name: 'ohmoves_moves_http_429_total',
      help: 'Moves 429 responses: the budget should prevent every one of them',
      registers: [registry],
    }),
    rateLimitWaits: new Counter({
      name: 'ohmoves_rate_limit_waits_total',
      help: 'Times a sync paused to wait for the Moves rate-limit window to reset',
      registers: [registry],
    }),
    syncJobs: new Counter({
      name: 'ohmoves_sync_jobs_total',
      help: 'Sync jobs by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    bytesPublished: new Counter({
      name: 'ohmoves_bytes_published_total',
      help: 'Bytes uploaded to Open Humans',
      registers: [registry],
    }),
  };
}
