// Sign-in with Open Humans: /login starts the OAuth2 round trip (state + PKCE S256 kept in the session),
// /complete (the registered redirect URL) checks the callback, exchanges the code and signs the member in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { sendMessagePage } from '../errors.ts';
import { checkCallback, newPkceLogin, type CallbackProblem } from '../oauth-state.ts';
import { PENDING_LOGIN_MAX_AGE_MS, signIn } from '../session.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';
import { upstreamMessage } from '../../upstream/errors.ts';

export const callbackQuery = z.object({
  code: z.string().max(2000).optional(),
  state: z.string().max(500).optional(),
  error: z.string().max(200).optional(),
});

const startAgain = { href: '/login', label: 'Sign in with Open Humans again' };

export function loginProblemPage(request: FastifyRequest, reply: FastifyReply, problem: CallbackProblem) {
  switch (problem) {
    case 'denied':
      return sendMessagePage(request, reply, {
        status: 200,
        title: 'Sign-in cancelled',
        what: 'You chose not to authorize this project on Open Humans, so nothing was connected and nothing was stored.',
        todo: 'If that was a mistake, start again and choose "Authorize" on Open Humans.',
        actions: [startAgain, { href: '/', label: 'Back to the start page' }],
      });
    case 'upstream_error':
      return sendMessagePage(request, reply, {
        status: 400,
        title: 'Open Humans reported a problem',
        what: 'Open Humans sent you back with an error instead of an authorization.',
        todo: 'Start the sign-in again. If it keeps failing, the project may be misconfigured: tell the operator.',
        actions: [startAgain],
      });
    case 'no_session':
      return sendMessagePage(request, reply, {
        status: 400,
        title: 'This sign-in was started somewhere else',
        what: 'This browser has no sign-in in progress: it was started in another browser or tab, or it expired (after 30 minutes).',
        todo: 'Start the sign-in again from this browser.',
        actions: [startAgain],
      });
    case 'state_mismatch':
    case 'missing_code':
      return sendMessagePage(request, reply, {
        status: 400,
        title: 'This sign-in link is not valid',
        what: 'The link that brought you here does not belong to the sign-in this browser started (it may be old, used already, or made by someone else), so it was ignored.',
        todo: 'Start the sign-in again. Only follow sign-in links that Open Humans itself sends you to.',
        actions: [startAgain],
      });
  }
}

export function registerOpenHumansLogin(app: FastifyInstance, ctx: AppContext): void {
  app.get('/login', async (request, reply) => {
    const login = await newPkceLogin();
    request.session.set('ohLogin', {
      state: login.state,
      verifier: login.verifier,
      startedAt: ctx.clock.now(),
    });
    return reply.redirect(
      ctx.openHumans.authorizeUrl({ state: login.state, codeChallenge: login.challenge }),
      303,
    );
  });

  zodRoutes(app).get(
    '/complete',
    { schema: { querystring: callbackQuery }, ...zodValidated },
    async (request, reply) => {
      if (request.validationError) return loginProblemPage(request, reply, 'state_mismatch');
      const query = request.query;
      const pending = request.session.get('ohLogin');
      const checked = checkCallback(query, pending, ctx.clock.now(), PENDING_LOGIN_MAX_AGE_MS);
      // One use per round trip: a reload or a replayed link finds nothing pending.
      if (pending && (checked.ok || checked.problem !== 'state_mismatch'))
        request.session.set('ohLogin', undefined);
      if (!checked.ok) {
        if (checked.problem === 'no_session' && request.member && !query.error)
          return reply.redirect('/dashboard', 303); // a reload after a finished sign-in
        return loginProblemPage(request, reply, checked.problem);
      }
      let memberId: number;
      let sessionVersion: number | undefined;
      let wasRefused: boolean;
      try {
        const tokens = await ctx.openHumans.exchangeCode(checked.code, pending?.verifier);
        const member = await ctx.openHumans.exchangeMember(tokens.accessToken);
        ({ memberId, sessionVersion, wasRefused } = await ctx.accounts.upsertMemberFromLogin({
          member,
          tokens,
        }));
      } catch (err) {
        request.log.warn(
          { err: { name: (err as Error).name, message: upstreamMessage(err) } },
          'open humans sign-in failed',
        );
        const retryable = (err as { retryable?: unknown }).retryable === true;
        return sendMessagePage(request, reply, {
          status: retryable ? 502 : 400,
          title: retryable ? 'Open Humans is not answering' : 'Open Humans did not accept the sign-in',
          what: `We could not complete the sign-in with Open Humans: ${upstreamMessage(err)}. A sign-in link works only once and only for a short time.`,
          todo: 'Start the sign-in again.',
          actions: [startAgain],
        });
      }
      signIn(request, memberId, sessionVersion);
      request.session.set('removed', undefined);
      const account = await ctx.accounts.movesAccount(memberId);
      // Updates stopped because Open Humans refused our tokens: this sign-in gave new ones, so resume.
      if (wasRefused && account?.status === 'connected') await ctx.queue.enqueueSync(memberId, 'requeue');
      return reply.redirect(account ? '/dashboard' : '/dashboard?welcome=1', 303);
    },
  );
}
