// Member actions: download the published file (a fresh Open Humans link fetched at click time), disconnect
// Moves and delete the account (each after a confirmation page, each reporting what was removed), log out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { sendMessagePage } from '../errors.ts';
import { RemovalError, type RemovalReport } from '../../accounts/index.ts';
import { isAuthRefused, upstreamMessage } from '../../upstream/errors.ts';
import { requireMember, signOut } from '../session.ts';
import { renderPage } from '../views.ts';
import { csrfOnlyForm, zodChecked, zodRoutes } from '../zod-routes.ts';

export const PUBLISHED_BASENAME = 'moves-storyline-data.json';

function removalFailed(request: FastifyRequest, reply: FastifyReply, err: unknown) {
  if (!(err instanceof RemovalError)) throw err;
  return sendMessagePage(request, reply, {
    status: 502,
    title: err.removedHere ? 'Your account was not deleted completely' : 'Nothing was removed',
    what: err.removedHere
      ? `${err.message}. Our copy of your Moves data was already deleted here; your sign-in was kept so that you can finish.`
      : `${err.message}. To avoid leaving your data behind on Open Humans, we stopped before removing anything here.`,
    todo: 'Try again in a few minutes. If Open Humans keeps refusing, sign in again with Open Humans and retry.',
    actions: [{ href: '/dashboard', label: 'Back to your dashboard' }],
  });
}

/** What the confirmation pages list before anything is removed: the files, the stored weeks, the Moves account. */
async function heldForMember(ctx: AppContext, memberId: number) {
  const [files, range, account] = await Promise.all([
    ctx.publishing.currentFiles(memberId),
    ctx.weeks.range(memberId),
    ctx.accounts.movesAccount(memberId),
  ]);
  const stored = { ...range, days: range.dayCount };
  return { files, stored, account };
}

/** The forms below carry only their CSRF token. */
const formOptions = { schema: { body: csrfOnlyForm }, ...zodChecked };

export function registerAccountRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/download', { preHandler: requireMember }, (request, reply) => sendDownload(ctx, request, reply));
  registerDisconnect(app, ctx);
  registerDelete(app, ctx);
  registerLogout(app, ctx);
}

/** GET /download: a fresh link to the published file on Open Humans. */
async function sendDownload(ctx: AppContext, request: FastifyRequest, reply: FastifyReply) {
  const member = request.member!;
  let url: string | undefined;
  try {
    // A refused token is refreshed once; a refused refresh marks the member for a new Open Humans sign-in, so
    // the dashboard stops saying "Up to date" (after a sandbox restart, for example).
    const oh = await ctx.accounts.withOhAccess(member.id, (token) => ctx.openHumans.exchangeMember(token));
    const ours = new Set((await ctx.publishing.currentFiles(member.id)).map((f) => f.ohFileId));
    const file =
      oh.files.find((f) => ours.has(f.id)) ?? oh.files.find((f) => f.basename === PUBLISHED_BASENAME);
    url = file?.downloadUrl;
  } catch (err) {
    return sendMessagePage(request, reply, {
      status: isAuthRefused(err) ? 409 : 502,
      title: 'The download link could not be fetched',
      what: isAuthRefused(err)
        ? 'Open Humans no longer accepts our access for your account (you may have left the project there).'
        : `Open Humans did not answer as expected: ${upstreamMessage(err)}.`,
      todo: isAuthRefused(err)
        ? 'Sign in with Open Humans again: your data here is kept and the download works again.'
        : 'Try again in a minute.',
      actions: isAuthRefused(err)
        ? [
            { href: '/login', label: 'Sign in with Open Humans again' },
            { href: '/dashboard', label: 'Back to your dashboard' },
          ]
        : [{ href: '/dashboard', label: 'Back to your dashboard' }],
    });
  }
  if (!url || !/^https?:\/\//.test(url))
    return sendMessagePage(request, reply, {
      status: 404,
      title: 'No data on Open Humans yet',
      what: 'There is no Moves file in your Open Humans account yet. The first file appears when the first import has fetched some weeks.',
      todo: 'Come back when the dashboard shows weeks fetched.',
      actions: [{ href: '/dashboard', label: 'Back to your dashboard' }],
    });
  // A short-lived link, fetched now and handed straight to the browser; it is neither shown nor logged.
  return reply.header('cache-control', 'no-store').redirect(url, 303);
}

/** Disconnect Moves: a confirmation page, the removal, and its report. */
function registerDisconnect(app: FastifyInstance, ctx: AppContext): void {
  app.get('/remove_moves', { preHandler: requireMember }, async (request, reply) => {
    const member = request.member!;
    const held = await heldForMember(ctx, member.id);
    if (!held.account) return reply.redirect('/dashboard', 303);
    return renderPage(request, reply, 'confirm-disconnect', { title: 'Disconnect Moves?', ...held });
  });

  zodRoutes(app).post(
    '/remove_moves',
    { ...formOptions, preHandler: [app.csrfProtection, requireMember] },
    async (request, reply) => {
      const member = request.member!;
      if (!(await ctx.accounts.movesAccount(member.id))) return reply.redirect('/dashboard', 303);
      let report: RemovalReport;
      try {
        report = await ctx.accounts.disconnectMoves(member.id);
      } catch (err) {
        return removalFailed(request, reply, err);
      }
      request.session.set('removed', { kind: 'disconnect', report });
      return reply.redirect('/remove_moves/done', 303);
    },
  );

  app.get('/remove_moves/done', { preHandler: requireMember }, async (request, reply) => {
    const removed = request.session.get('removed');
    if (removed?.kind !== 'disconnect') return reply.redirect('/dashboard', 303);
    return renderPage(request, reply, 'removed', { title: 'Moves disconnected', ...removed });
  });
}

/** Delete the account: a confirmation page, the deletion (which signs out), and its report. */
function registerDelete(app: FastifyInstance, ctx: AppContext): void {
  app.get('/account/delete', async (request, reply) => {
    const member = request.member;
    if (!member) {
      // Back from the result page of a deletion: show that result again instead of a sign-in note.
      if (request.session.get('removed')?.kind === 'account') return reply.redirect('/account/deleted', 303);
      return requireMember(request, reply);
    }
    return renderPage(request, reply, 'confirm-delete', {
      title: 'Delete your account?',
      ...(await heldForMember(ctx, member.id)),
    });
  });

  zodRoutes(app).post(
    '/account/delete',
    { ...formOptions, preHandler: [app.csrfProtection, requireMember] },
    async (request, reply) => {
      const member = request.member!;
      let report: RemovalReport;
      try {
        report = await ctx.accounts.deleteAccount(member.id);
      } catch (err) {
        return removalFailed(request, reply, err);
      }
      // Signed out; the session keeps only the result, so that the result page is a GET and Back works.
      signOut(request);
      request.session.set('movesConnect', undefined);
      request.session.set('removed', { kind: 'account', report });
      request.member = undefined;
      return reply.redirect('/account/deleted', 303);
    },
  );

  app.get('/account/deleted', async (request, reply) => {
    const removed = request.session.get('removed');
    if (removed?.kind !== 'account' || request.member) return reply.redirect('/', 303);
    return renderPage(request, reply, 'removed', { title: 'Account deleted', ...removed });
  });
}

/** Log out here and on every other device; a plain GET explains and offers the button. */
function registerLogout(app: FastifyInstance, ctx: AppContext): void {
  zodRoutes(app).post(
    '/logout',
    { ...formOptions, preHandler: app.csrfProtection },
    async (request, reply) => {
      // On the server too: a copy of this cookie (another browser, a stolen one) no longer signs anyone in.
      if (request.member) await ctx.accounts.endSessions(request.member.id);
      request.session.delete();
      request.member = undefined;
      return sendMessagePage(request, reply, {
        status: 200,
        title: 'You are logged out',
        what: 'You are signed out of this project, in this browser and wherever else you were signed in. Your data and the automatic updates are not affected. You are probably still signed in to Open Humans itself, which signing in here used.',
        todo: 'On a shared computer, log out of Open Humans too.',
        actions: [
          { href: `${ctx.config.openHumans.baseUrl}/account/logout/`, label: 'Log out of Open Humans' },
          { href: '/login', label: 'Sign in again' },
          { href: '/', label: 'Start page' },
        ],
      });
    },
  );
  // A plain link to /logout (or a bookmark) should not fail: explain and offer the button.
  app.get('/logout', async (request, reply) =>
    request.member
      ? renderPage(request, reply, 'confirm-logout', { title: 'Log out?' })
      : reply.redirect('/', 303),
  );
}
