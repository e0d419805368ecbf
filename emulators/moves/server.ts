// Builds the Fastify app: body parsing that never throws, faults, Server: nginx, stats, safe logging.
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { registerApiRoutes } from './api-routes.ts';
import type { EmulatorContext } from './context.ts';
import { registerControlRoutes } from './control-routes.ts';
import { decideFaults, type FaultDecision } from './faults.ts';
import { sendNotFound } from './html-pages.ts';
import { registerOauthRoutes } from './oauth-routes.ts';

const SECRET_PARAMS = /([?&](?:access_token|client_secret|code|refresh_token)=)[^&]*/gi;

/** URLs with secrets blanked, for logs. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/** Big ids in control bodies stay exact: quote a bare userId before JSON.parse. */
function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text.replace(/("userId"\s*:\s*)(\d{16,})/g, '$1"$2"'));
  } catch {
    const err = new Error('Body is not valid JSON') as Error & { statusCode: number };
    err.statusCode = 400;
    throw err;
  }
}

const faultsOf = new WeakMap<FastifyRequest, FaultDecision>();
const bytesOf = new WeakMap<FastifyRequest, number>();

function corrupt(payload: unknown, f: FaultDecision): unknown {
  const buf = typeof payload === 'string' ? Buffer.from(payload) : Buffer.isBuffer(payload) ? payload : null;
  if (!buf) return payload;
  if (f.truncate) return buf.subarray(0, Math.floor(buf.length / 2));
  if (f.malformed)
    return Buffer.concat([
      buf.subarray(0, Math.floor(buf.length / 2)),
      Buffer.from('<!-- upstream error -->{"'),
    ]);
  return payload;
}

export function buildServer(ctx: EmulatorContext): FastifyInstance {
  const app = Fastify({
    ...(ctx.logger ? { loggerInstance: ctx.logger as FastifyBaseLogger } : { logger: false }),
    // Request URLs can carry access_token/client_secret: we log redacted ones ourselves (onResponse).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    routerOptions: { maxParamLength: 200 },
    forceCloseConnections: true,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(String(body)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  // Anything else (text/plain, multipart, none): kept as text and ignored by the routes.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, String(body)));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('server', 'nginx');
    const path = request.url.split('?')[0] ?? '/';
    const f = decideFaults(ctx.config.faults, path);
    faultsOf.set(request, f);
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    if (f.drop) {
      ctx.stats.record(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`, 0, 0);
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (f.status) {
      return reply
        .code(f.status)
        .header('content-type', 'text/html')
        .send(
          `<html><head><title>${f.status}</title></head><body><center><h1>${f.status}</h1></center><hr><center>nginx</center></body></html>`,
        );
    }
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    const f = faultsOf.get(request);
    const out = f && (f.truncate || f.malformed) ? corrupt(payload, f) : payload;
    bytesOf.set(
      request,
      typeof out === 'string' ? Buffer.byteLength(out) : Buffer.isBuffer(out) ? out.length : 0,
    );
    return out;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;
    ctx.stats.record(route, reply.statusCode, bytesOf.get(request) ?? 0);
    ctx.logger?.debug(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode },
      'moves emulator request',
    );
  });

  app.setNotFoundHandler((_request, reply) => sendNotFound(reply));

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) ctx.logger?.error({ err, url: redactUrl(request.url) }, 'moves emulator error');
    return reply
      .code(status)
      .header('content-type', 'text/plain; charset=utf-8')
      .send(status === 500 ? 'Internal Server Error' : err.message);
  });

  registerOauthRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  return app;
}
