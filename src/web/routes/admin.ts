// /admin for the Open Humans member ids in ADMIN_MEMBER_IDS: members and their states, queue depth, recent
// failures, and a requeue button. Everyone else gets a 404 (the page's existence is not advertised).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { sendMessagePage } from '../errors.ts';
import { addFlash } from '../session.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';
import { formatWhen, statusLabel } from '../status-words.ts';
import { eventLabel } from './dashboard.ts';
import { reconnectNeeded } from '../../accounts/reconnect.ts';
import { renderPage } from '../views.ts';

export function isAdmin(ctx: AppContext, request: FastifyRequest): boolean {
  const m = request.member;
  return m !== undefined && ctx.config.adminMemberIds.includes(m.ohMemberId);
}

async function adminOnly(this: { ctx: AppContext }, request: FastifyRequest, reply: FastifyReply) {
  if (isAdmin(this.ctx, request)) return;
  await sendMessagePage(request, reply, {
    status: 404,
    title: 'Page not found',
    what: 'There is no page at this address.',
  });
}

const requeueBody = z.object({ memberId: z.coerce.number().int().positive(), _csrf: z.string().optional() });

export function registerAdmin(app: FastifyInstance, ctx: AppContext): void {
  const gate = adminOnly.bind({ ctx });

  app.get('/admin', { preHandler: gate }, async (request, reply) => {
    const now = ctx.clock.now();
    const rows = await ctx.accounts.adminList(500);
    const failures = await ctx.syncState.recentFailures(20);
    const memberCount = await ctx.accounts.memberCount();
    let queueDepth: number | string;
    try {
      queueDepth = await ctx.queue.syncQueueSize();
    } catch {
      queueDepth = 'unknown';
    }
    return renderPage(request, reply, 'admin', {
      title: 'Administration',
      queueDepth,
      memberCount,
      rows: rows.map((r) => ({
        ...r,
        state: statusLabel(
          reconnectNeeded(r, r.movesStatus === null ? null : { status: r.movesStatus })
            ? 'needs_reauth'
            : r.movesStatus
              ? (r.status ?? 'idle')
              : 'not_connected',
        ),
        lastSuccess: r.lastSuccessAt ? formatWhen(r.lastSuccessAt, now, 'UTC') : 'never',
        nextRun: r.nextRunAt ? formatWhen(r.nextRunAt, now, 'UTC') : '',
      })),
      failures: failures.map((f) => ({
        ...f,
        when: formatWhen(f.at, now, 'UTC'),
        label: eventLabel(f.kind),
      })),
    });
  });

  zodRoutes(app).post(
    '/admin/requeue',
    { schema: { body: requeueBody }, ...zodValidated, preHandler: [app.csrfProtection, gate] },
    async (request, reply) => {
      if (request.validationError)
        return sendMessagePage(request, reply, {
          status: 400,
          title: 'Bad request',
          what: 'No member was named.',
        });
      const account = await ctx.accounts.movesAccount(request.body.memberId);
      if (!account) {
        addFlash(
          request,
          'error',
          `Member ${request.body.memberId} has no Moves account: nothing to requeue.`,
        );
        return reply.redirect('/admin', 303);
      }
      const queued = await ctx.queue.enqueueSync(request.body.memberId, 'admin');
      addFlash(
        request,
        'info',
        queued
          ? `Sync queued for member ${request.body.memberId}.`
          : `Member ${request.body.memberId} already has a sync waiting.`,
      );
      return reply.redirect('/admin', 303);
    },
  );
}
