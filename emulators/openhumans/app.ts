// Assembles the Fastify app: the real API paths, the storage endpoint, the control API, and the Django-like
// behaviour around them (APPEND_SLASH, 404 page, 500 page, faults, request stats).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context.ts';
import { deleteRoutes } from './delete.ts';
import { downloadRoutes } from './downloads.ts';
import { NOT_FOUND_HTML, sendHtml, sendJson, serverErrorHtml, wouldAppendSlash } from './drf.ts';
import { exchangeMemberRoutes } from './exchange-member.ts';
import { memberRoutes } from './members.ts';
import { messageRoutes } from './messages.ts';
import { oauthRoutes } from './oauth-provider.ts';
import { registerBodyParsers } from './request-body.ts';
import { storageRoutes } from './storage-endpoint.ts';
import { controlRoutes } from './control.ts';
import { dataTypeControlRoutes, dataTypeRoutes } from './datatypes.ts';
import { uploadRoutes } from './uploads.ts';

export async function buildApp(ctx: EmulatorContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }), // request URLs carry access tokens
    bodyLimit: 2 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 2000 },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/_control/')) return;
    const fault = ctx.faults.takeEndpointFault(request.url.split('?')[0] ?? '');
    if (!fault) return;
    if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status !== undefined) return sendHtml(reply, fault.status, serverErrorHtml(fault.status));
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.stats.countRequest(`${request.method} ${request.routeOptions.url ?? '(no route)'}`, reply.statusCode);
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string }, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return sendHtml(reply, status, serverErrorHtml(status));
    }
    if (request.url.startsWith('/_control/')) return reply.code(status).send({ error: err.message });
    return sendJson(reply, status, { detail: err.message });
  });

  app.setNotFoundHandler((request, reply) => {
    const [path = '/', query] = request.url.split('?', 2);
    if (wouldAppendSlash(ctx.knownPaths, path)) {
      // Django's APPEND_SLASH answers 301 for every method; a client following it for a POST re-sends a GET
      // without the body (and then gets 405). The header says so explicitly.
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        reply.header(
          'X-Emulator-Warning',
          'APPEND_SLASH redirect: the request body is lost; use the trailing slash',
        );
      }
      return reply.redirect(`${path}/${query !== undefined ? `?${query}` : ''}`, 301);
    }
    if (request.url.startsWith('/_control/')) return reply.code(404).send({ error: 'unknown control route' });
    return sendHtml(reply, 404, NOT_FOUND_HTML);
  });

  await app.register(async (api) => {
    api.removeContentTypeParser(['application/json', 'text/plain']);
    await registerBodyParsers(api);
    oauthRoutes(api, ctx);
    exchangeMemberRoutes(api, ctx);
    uploadRoutes(api, ctx);
    deleteRoutes(api, ctx);
    messageRoutes(api, ctx);
    memberRoutes(api, ctx);
    downloadRoutes(api, ctx);
    dataTypeRoutes(api, ctx);
  });
  await app.register(async (storage) => storageRoutes(storage, ctx));
  await app.register(async (control) => {
    await controlRoutes(control, ctx);
    dataTypeControlRoutes(control, ctx);
  });
  return app;
}
