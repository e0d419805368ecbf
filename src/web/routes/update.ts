// "Update now": queues a sync for the member, at most once per MANUAL_UPDATE_COOLDOWN_MINUTES. The sync state
// service claims the slot with one conditional UPDATE, so two clicks (or two tabs) cannot both pass.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { sendMessagePage } from '../errors.ts';
import { addFlash, requireMember } from '../session.ts';
import { BUSY_STATES, formatDuration } from '../status-words.ts';
import { csrfOnlyForm, zodChecked, zodRoutes } from '../zod-routes.ts';

export function registerUpdate(app: FastifyInstance, ctx: AppContext): void {
  // The original answered GET (and anonymous visitors) with a 500; here GET explains and points back.
  app.get('/update_data', async (request, reply) => reply.redirect(request.member ? '/dashboard' : '/', 303));

  zodRoutes(app).post(
    '/update_data',
    { schema: { body: csrfOnlyForm }, ...zodChecked, preHandler: [app.csrfProtection, requireMember] },
    async (request, reply) => {
      const member = request.member!;
      const account = await ctx.accounts.movesAccount(member.id);
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
      const state = await ctx.syncState.get(member.id);
      if (state && !state.lastSuccessAt && BUSY_STATES.has(state.status))
        return sendMessagePage(request, reply, {
          status: 409,
          title: 'The first import is still running',
          what: 'Your whole Moves history is being fetched right now, so an update would add nothing.',
          todo: 'Wait until the dashboard says "Up to date"; from then on you can ask for updates.',
          actions: [{ href: '/dashboard', label: 'Back to your dashboard' }],
        });
      const claim = await ctx.syncState.claimManualUpdate(member.id);
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
      const queued = await ctx.queue.enqueueSync(member.id, 'manual');
      if (!queued) await ctx.syncState.releaseManualUpdate(member.id, claim.claimedAt);
      addFlash(
        request,
        'info',
        queued
          ? 'An update has started. The progress below updates by itself.'
          : 'An update is already waiting to run; it will pick up everything new.',
        { untilDone: true },
      );
      return reply.redirect('/dashboard', 303);
    },
  );
}
