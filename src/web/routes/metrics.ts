// /metrics in the Prometheus text format, from the context's own registry.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';

export function registerMetrics(app: FastifyInstance, ctx: AppContext): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(ctx.metrics.registry.contentType).send(body);
  });
}
