// The Fastify app of the web role.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { registerHealthRoute } from './health.ts';

export async function buildWebApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ role: 'web' }) as FastifyBaseLogger,
    trustProxy: true,
  });
  registerHealthRoute(app, ctx);
  return app;
}
