// /admin for the Open Humans member ids in ADMIN_MEMBER_IDS: members and their states, queue depth, recent
// failures, and a requeue button. Everyone else gets a 404 (the page's existence is not advertised).
import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { members, movesAccounts, syncEvents, syncState } from '../../db/schema.ts';
import { QUEUES } from '../../jobs/queues.ts';
import { enqueueSync } from '../../sync/enqueue.ts';
import { sendMessagePage } from '../errors.ts';
import { addFlash } from '../session.ts';
import { formatWhen } from '../status-words.ts';
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
    const rows = await ctx.db
      .select({
        id: members.id,
        ohMemberId: members.ohMemberId,
        username: members.ohUsername,
        ohNeedsReauth: members.ohNeedsReauth,
        createdAt: members.createdAt,
        movesStatus: movesAccounts.status,
        status: syncState.status,
        weeksDone: syncState.weeksDone,
        weeksTotal: syncState.weeksTotal,
        lastSuccessAt: syncState.lastSuccessAt,
        lastError: syncState.lastError,
        nextRunAt: syncState.nextRunAt,
      })
      .from(members)
      .leftJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
      .leftJoin(syncState, eq(syncState.memberId, members.id))
      .orderBy(members.id)
      .limit(500);
    const failures = await ctx.db
      .select({
        at: syncEvents.at,
        memberId: syncEvents.memberId,
        kind: syncEvents.kind,
        message: syncEvents.message,
      })
      .from(syncEvents)
      .where(inArray(syncEvents.kind, ['error', 'needs_reauth', 'http_429', 'failed']))
      .orderBy(desc(syncEvents.at))
      .limit(20);
    const [counts] = await ctx.db.select({ total: sql<number>`count(*)::int` }).from(members);
    let queueDepth: number | string;
    try {
      // pg-boss's counts, refreshed by its maintenance every few seconds.
      queueDepth = (await ctx.boss.getQueue(QUEUES.syncMember))?.queuedCount ?? 0;
    } catch {
      queueDepth = 'unknown';
    }
    return renderPage(request, reply, 'admin', {
      title: 'Administration',
      queueDepth,
      memberCount: Number(counts?.total ?? 0),
      rows: rows.map((r) => ({
        ...r,
        state:
          r.movesStatus === 'needs_reauth'
            ? 'needs_reauth'
            : (r.status ?? (r.movesStatus ? 'idle' : 'not connected')),
        lastSuccess: r.lastSuccessAt ? formatWhen(r.lastSuccessAt, now) : 'never',
        nextRun: r.nextRunAt ? formatWhen(r.nextRunAt, now) : '',
      })),
      failures: failures.map((f) => ({ ...f, when: formatWhen(f.at, now) })),
    });
  });

  app.post('/admin/requeue', { preHandler: [app.csrfProtection, gate] }, async (request, reply) => {
    const parsed = requeueBody.safeParse(request.body);
    if (!parsed.success)
      return sendMessagePage(request, reply, {
        status: 400,
        title: 'Bad request',
        what: 'No member was named.',
      });
    const [account] = await ctx.db
      .select({ memberId: movesAccounts.memberId })
      .from(movesAccounts)
      .where(eq(movesAccounts.memberId, parsed.data.memberId));
    if (!account) {
      addFlash(request, 'error', `Member ${parsed.data.memberId} has no Moves account: nothing to requeue.`);
      return reply.redirect('/admin', 303);
    }
    const queued = await enqueueSync(ctx, parsed.data.memberId, 'admin');
    addFlash(
      request,
      'info',
      queued
        ? `Sync queued for member ${parsed.data.memberId}.`
        : `Member ${parsed.data.memberId} already has a sync waiting.`,
    );
    return reply.redirect('/admin', 303);
  });
}
