// The start page: what this does and the sign-in button; signed-in members go straight to their dashboard.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { renderPage } from '../views.ts';

export function registerHome(app: FastifyInstance, ctx: AppContext): void {
  app.get('/', async (request, reply) => {
    if (request.member) return reply.redirect('/dashboard', 303);
    return renderPage(request, reply, 'index', {
      title: 'Moves for Open Humans',
      configured: ctx.config.sandbox || ctx.config.openHumans.clientId !== '',
      movesEnabled: ctx.config.moves.enabled,
    });
  });
}
