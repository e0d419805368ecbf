// Error and not-found pages: a status, what happened and what to do, never a stack trace or a secret.
// JSON endpoints (webhooks, status, map data) get JSON bodies instead of pages.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderPage } from './views.ts';

function wantsJson(request: FastifyRequest): boolean {
  const url = request.url;
  return (
    url.startsWith('/webhooks/') ||
    url.endsWith('.json') ||
    url.startsWith('/dashboard/status') ||
    !/text\/html|\*\/\*/.test(request.headers.accept ?? '*/*')
  );
}

export interface MessagePage {
  status: number;
  title: string;
  /** What happened, in plain words. */
  what: string;
  /** What the member can do about it. */
  todo?: string;
  actions?: { href: string; label: string }[];
}

/** A page that explains an outcome (OAuth denial, expired form, …) in the common layout. */
export function sendMessagePage(request: FastifyRequest, reply: FastifyReply, page: MessagePage) {
  return renderPage(
    request,
    reply,
    'message',
    {
      title: page.title,
      what: page.what,
      todo: page.todo,
      // Refusals and failures look like problems, not like ordinary news.
      problem: page.status >= 400,
      actions: page.actions ?? [{ href: request.member ? '/dashboard' : '/', label: 'Back to the start' }],
    },
    page.status,
  );
}

export function registerErrorPages(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => {
    if (wantsJson(request)) return reply.code(404).send({ error: 'not found' });
    return sendMessagePage(request, reply, {
      status: 404,
      title: 'Page not found',
      what: 'There is no page at this address.',
      todo: 'Check the address, or go back to the start page.',
    });
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const code = error.code ?? '';
    let status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (code.startsWith('FST_CSRF')) status = 403;
    // The request id is on every line of the request; the member and the route name who and what failed.
    if (status >= 500)
      request.log.error(
        { err: error, memberId: request.member?.id, route: request.routeOptions.url },
        'request failed',
      );
    else request.log.info({ code, status }, 'request refused');
    if (wantsJson(request)) {
      const message =
        status === 403
          ? 'forbidden'
          : status < 500
            ? 'bad request'
            : 'internal error: the failure was logged with this request id';
      return reply.code(status).send({ error: message, requestId: request.id });
    }
    if (code.startsWith('FST_CSRF'))
      return sendMessagePage(request, reply, {
        status: 403,
        title: 'This form has expired',
        what: 'The form you sent was missing its security token, or the token did not match your session (the page may be old, or the form came from another site).',
        todo: 'Go back, reload the page and try again.',
      });
    if (status < 500)
      return sendMessagePage(request, reply, {
        status,
        title: 'That request was not understood',
        what: 'Some of what was sent is missing or not in the expected form.',
        todo: 'Go back and try again from the page itself.',
      });
    return sendMessagePage(request, reply, {
      status: 500,
      title: 'Something went wrong on our side',
      what: `The request could not be completed. It was logged with the reference ${request.id}.`,
      todo: 'Try again in a minute. If it keeps happening, tell the operator the reference above.',
    });
  });
}
