// The dashboard (connection, live progress, times, last error, actions, recent events) and its JSON status
// endpoint, which the page's script polls every 2 s.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { currentFiles, movesAccountOf, recentEvents, storedSummary, syncStateOf } from '../member-data.ts';
import { requireMember } from '../session.ts';
import { describeStatus, formatWhen } from '../status-words.ts';
import { renderPage } from '../views.ts';

export async function statusFor(ctx: AppContext, memberId: number) {
  const [account, state] = await Promise.all([movesAccountOf(ctx, memberId), syncStateOf(ctx, memberId)]);
  return {
    account,
    status: describeStatus({
      account,
      state,
      now: ctx.clock.now(),
      cooldownMinutes: ctx.config.manualUpdateCooldownMinutes,
      staleAfterHours: ctx.config.staleAfterHours,
    }),
  };
}

function memberId(request: FastifyRequest): number {
  return request.member!.id;
}

export function registerDashboard(app: FastifyInstance, ctx: AppContext): void {
  app.get('/dashboard', { preHandler: requireMember }, async (request, reply) => {
    const id = memberId(request);
    const [{ account, status }, events, files, stored] = await Promise.all([
      statusFor(ctx, id),
      recentEvents(ctx, id, 10),
      currentFiles(ctx, id),
      storedSummary(ctx, id),
    ]);
    const now = ctx.clock.now();
    return renderPage(request, reply, 'dashboard', {
      title: 'Your dashboard',
      account,
      status,
      stored,
      hasFile: files.length > 0,
      files: files.map((f) => ({ basename: f.basename, size: f.size, when: formatWhen(f.publishedAt, now) })),
      events: events.map((e) => ({
        when: formatWhen(e.at, now),
        iso: e.at.toISOString(),
        kind: e.kind,
        message: e.message,
      })),
      mapTileUrl: ctx.config.mapTileUrl ?? '',
      welcome: !account,
    });
  });

  app.get('/dashboard/status', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!request.member) return reply.code(401).send({ error: 'not signed in' });
    const { status } = await statusFor(ctx, memberId(request));
    return reply.send(status);
  });
}
