// "Update now": queues a sync for the member, at most once per MANUAL_UPDATE_COOLDOWN_MINUTES. The cooldown is
// enforced here with one conditional UPDATE, so two clicks (or two tabs) cannot both pass.
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { syncState } from '../../db/schema.ts';
import { enqueueSync } from '../../sync/enqueue.ts';
import { sendMessagePage } from '../errors.ts';
import { movesAccountOf } from '../member-data.ts';
import { addFlash, requireMember } from '../session.ts';
import { formatDuration } from '../status-words.ts';

/** Claims the manual-update slot; returns null when taken, else the time it was claimed. */
export async function claimManualUpdate(
  ctx: AppContext,
  memberId: number,
): Promise<{ ok: true; claimedAt: Date } | { ok: false; availableAt: Date }> {
  const now = ctx.clock.date();
  const cooldownMs = ctx.config.manualUpdateCooldownMinutes * 60_000;
  const threshold = new Date(now.getTime() - cooldownMs);
  await ctx.db.insert(syncState).values({ memberId, updatedAt: now }).onConflictDoNothing();
  const claimed = await ctx.db
    .update(syncState)
    .set({ lastManualRequestAt: now })
    .where(
      sql`${syncState.memberId} = ${memberId} and (${syncState.lastManualRequestAt} is null or ${syncState.lastManualRequestAt} <= ${threshold})`,
    )
    .returning({ memberId: syncState.memberId });
  if (claimed.length) return { ok: true, claimedAt: now };
  const [row] = await ctx.db
    .select({ last: syncState.lastManualRequestAt })
    .from(syncState)
    .where(sql`${syncState.memberId} = ${memberId}`);
  return { ok: false, availableAt: new Date((row?.last?.getTime() ?? now.getTime()) + cooldownMs) };
}

/** Gives the slot back: the request queued nothing (a sync was already waiting), so it must not cost a wait. */
export async function releaseManualUpdate(ctx: AppContext, memberId: number, claimedAt: Date): Promise<void> {
  await ctx.db
    .update(syncState)
    .set({ lastManualRequestAt: null })
    .where(sql`${syncState.memberId} = ${memberId} and ${syncState.lastManualRequestAt} = ${claimedAt}`);
}

export function registerUpdate(app: FastifyInstance, ctx: AppContext): void {
  // The original answered GET (and anonymous visitors) with a 500; here GET explains and points back.
  app.get('/update_data', async (request, reply) => reply.redirect(request.member ? '/dashboard' : '/', 303));

  app.post('/update_data', { preHandler: [app.csrfProtection, requireMember] }, async (request, reply) => {
    const member = request.member!;
    const account = await movesAccountOf(ctx, member.id);
    if (!account)
      return sendMessagePage(request, reply, {
        status: 409,
        title: 'Moves is not connected',
        what: 'There is nothing to update yet: no Moves account is connected.',
        todo: 'Connect Moves from your dashboard first.',
        actions: [{ href: '/dashboard', label: 'Go to your dashboard' }],
      });
    if (account.status === 'needs_reauth')
      return sendMessagePage(request, reply, {
        status: 409,
        title: 'Moves needs to be reconnected',
        what: 'Moves no longer accepts our access, so an update cannot run.',
        todo: 'Reconnect Moves; the import continues where it stopped.',
        actions: [{ href: '/connect/moves', label: 'Reconnect Moves' }],
      });
    const claim = await claimManualUpdate(ctx, member.id);
    if (!claim.ok) {
      const wait = formatDuration(claim.availableAt.getTime() - ctx.clock.now());
      reply.header(
        'retry-after',
        String(Math.max(1, Math.ceil((claim.availableAt.getTime() - ctx.clock.now()) / 1000))),
      );
      return sendMessagePage(request, reply, {
        status: 429,
        title: 'Update not available yet',
        what: `You asked for an update recently. Manual updates are limited to one every ${ctx.config.manualUpdateCooldownMinutes} minutes so that every member gets a fair share of Moves' rate limit. Available again in ${wait}.`,
        todo: 'Your data is also updated automatically every few days; nothing else is needed.',
        actions: [{ href: '/dashboard', label: 'Back to your dashboard' }],
      });
    }
    const queued = await enqueueSync(ctx, member.id, 'manual');
    if (!queued) await releaseManualUpdate(ctx, member.id, claim.claimedAt);
    addFlash(
      request,
      'info',
      queued
        ? 'An update has started. The progress below updates by itself.'
        : 'An update is already waiting to run; it will pick up everything new.',
    );
    return reply.redirect('/dashboard', 303);
  });
}
