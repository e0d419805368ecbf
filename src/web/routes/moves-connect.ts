// Connect Moves: /connect/moves starts the web flow (the Moves PIN page) with a `state` bound to the session;
// /moves_complete (the registered redirect URI) checks it, exchanges the code, links the account and queues
// the first sync. A Moves account already linked to another member is refused with an explanation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { resetMemberData } from '../../sync/reset.ts';
import { sendMessagePage, type MessagePage } from '../errors.ts';
import { checkCallback, newState, type CallbackProblem } from '../oauth-state.ts';
import { addFlash, PENDING_LOGIN_MAX_AGE_MS, requireMember } from '../session.ts';
import { upstreamMessage } from '../../upstream/errors.ts';
import type { ConnectResult } from '../../accounts/index.ts';
import { callbackQuery } from './openhumans-login.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';

const connectAgain = { href: '/connect/moves', label: 'Connect Moves again' };
const dashboard = { href: '/dashboard', label: 'Go to your dashboard' };

/** A page about a connection that did not happen: the member can always try again or go back. */
function connectFailedPage(request: FastifyRequest, reply: FastifyReply, page: Omit<MessagePage, 'actions'>) {
  return sendMessagePage(request, reply, { ...page, actions: [connectAgain, dashboard] });
}

const invalidLink = {
  status: 400,
  title: 'This Moves link is not valid',
  what: 'The link that brought you here does not belong to the connection this browser started (it may be old, used already, or made by someone else), so it was ignored.',
  todo: 'Start connecting Moves again from your dashboard.',
};

const callbackProblemPages: Record<CallbackProblem, Omit<MessagePage, 'actions'>> = {
  denied: {
    status: 200,
    title: 'Moves was not connected',
    what: 'You chose not to give this project access to your Moves data, so nothing was connected.',
    todo: 'If that was a mistake, connect again and approve the request in the Moves app.',
  },
  upstream_error: {
    status: 400,
    title: 'Moves reported a problem',
    what: 'Moves sent you back with an error instead of an authorization.',
    todo: 'Try connecting again. If it keeps failing, tell the operator.',
  },
  no_session: {
    status: 400,
    title: 'This Moves connection was started somewhere else',
    what: 'This browser has no Moves connection in progress: it was started in another browser or tab, or it expired (after 30 minutes).',
    todo: 'Start connecting Moves again from your dashboard in this browser.',
  },
  state_mismatch: invalidLink,
  missing_code: invalidLink,
};

export function registerMovesConnect(app: FastifyInstance, ctx: AppContext): void {
  app.get('/connect/moves', { preHandler: requireMember }, async (request, reply) => {
    const state = newState();
    request.session.set('movesConnect', { state, startedAt: ctx.clock.now() });
    return reply.redirect(ctx.moves.authorizeUrl({ state }), 303);
  });

  zodRoutes(app).get(
    '/moves_complete',
    { schema: { querystring: callbackQuery }, ...zodValidated },
    async (request, reply) => {
      if (request.validationError)
        return connectFailedPage(request, reply, callbackProblemPages.state_mismatch);
      const member = request.member;
      if (!member)
        return sendMessagePage(request, reply, {
          status: 401,
          title: 'Please sign in first',
          what: 'Moves sent you back to a browser that is not signed in to this project (perhaps a different browser than the one you started in, or your session ended), so the Moves account could not be connected.',
          todo: 'Sign in with Open Humans in this browser, then connect Moves from your dashboard.',
          actions: [{ href: '/login', label: 'Sign in with Open Humans' }],
        });
      const pending = request.session.get('movesConnect');
      const checked = checkCallback(request.query, pending, ctx.clock.now(), PENDING_LOGIN_MAX_AGE_MS);
      // Back to the Moves page after connecting, and approved again: this browser's connection is done already.
      if (!checked.ok && checked.problem === 'no_session' && !request.query.error) {
        const account = await ctx.accounts.movesAccount(member.id);
        if (account) {
          addFlash(
            request,
            'info',
            'Moves is already connected: the second approval was not needed and changed nothing.',
          );
          return reply.redirect('/dashboard', 303);
        }
      }
      if (pending && (checked.ok || checked.problem !== 'state_mismatch'))
        request.session.set('movesConnect', undefined);
      if (!checked.ok) return connectFailedPage(request, reply, callbackProblemPages[checked.problem]);

      let result: ConnectResult;
      try {
        const tokens = await ctx.moves.exchangeCode(checked.code);
        result = await ctx.accounts.connectMoves(member.id, tokens);
      } catch (err) {
        request.log.warn(
          { err: { name: (err as Error).name, message: upstreamMessage(err) } },
          'moves connect failed',
        );
        const retryable = (err as { retryable?: unknown }).retryable === true;
        return connectFailedPage(request, reply, {
          status: retryable ? 502 : 400,
          title: retryable ? 'Moves is not answering' : 'Moves did not accept the connection',
          what: `We could not complete the connection with Moves: ${upstreamMessage(err)}. A Moves authorization works only once and only for a short time.`,
          todo: 'Connect Moves again from your dashboard.',
        });
      }
      if (!result.ok)
        return connectFailedPage(request, reply, {
          status: 409,
          title: 'This Moves account belongs to another member',
          what: 'The Moves account you approved is already connected to a different Open Humans member of this project. One Moves account can feed only one Open Humans account, so it was not connected to yours.',
          todo: 'If that other account is also yours, sign in with it and disconnect Moves there first. Otherwise approve with your own Moves account.',
        });
      // Another Moves account than before: its history must not be mixed with the old account's weeks.
      if (result.changedAccount) await resetMemberData(ctx, member.id);
      // Reconnecting after Moves refused our access continues the history; only a first connection imports it.
      const imported = !result.changedAccount && (await ctx.syncState.get(member.id))?.lastSuccessAt;
      await ctx.queue.enqueueSync(member.id, 'connect');
      addFlash(
        request,
        'info',
        result.changedAccount
          ? 'You connected a different Moves account than before. The data we had stored from the previous account was removed here, and your whole history will now be fetched from the new account: watch it below. Your file on Open Humans is replaced at the next upload.'
          : imported
            ? 'Moves is connected again. The update has started and continues from where your history stopped.'
            : 'Your Moves account is connected. The first import has started: watch it below.',
        { untilDone: true },
      );
      return reply.redirect('/dashboard', 303);
    },
  );
}
