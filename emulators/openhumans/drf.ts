// Django REST framework response conventions: never-cache JSON, 405 bodies, Django's HTML error pages, and the
// headers production added to every answer (recorded 2018 traffic).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const NEVER_CACHE = 'no-store, max-age=0, must-revalidate, no-cache';

/**
 * JSON exactly as Django wrote it: `Content-Type: application/json` without a charset. Sent as bytes, because
 * Fastify appends `; charset=utf-8` to a JSON type given with a string body.
 */
export function sendJsonText(reply: FastifyReply, text: string): FastifyReply {
  return reply.header('Content-Type', 'application/json').send(Buffer.from(text));
}

/** A DRF answer: never cached, so Expires and Last-Modified are the response time (Django's never_cache). */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  const now = new Date().toUTCString();
  reply.code(status).header('Cache-Control', NEVER_CACHE).header('Expires', now).header('Last-Modified', now);
  return sendJsonText(reply, JSON.stringify(body));
}

/** What Django's middleware adds to every response: LocaleMiddleware, SessionMiddleware, XFrameOptionsMiddleware. */
function middlewareHeaders(reply: FastifyReply, vary: string): void {
  reply.header('Vary', vary).header('Content-Language', 'en').header('X-Frame-Options', 'SAMEORIGIN');
}

export function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).header('Content-Type', 'text/html; charset=utf-8').send(html);
}

export const NOT_FOUND_HTML =
  '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n';

export function serverErrorHtml(status: number): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (${status})</title>\n</head>\n<body>\n  <h1>Server Error (${status})</h1><p></p>\n</body>\n</html>\n`;
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * A DRF APIView: the listed methods are handled, OPTIONS answers with metadata, any other method gets
 * 405 {"detail":"Method \"X\" not allowed."} with an Allow header.
 */
export function drfView(
  app: FastifyInstance,
  knownPaths: Set<string>,
  path: string,
  handlers: ViewHandlers,
): void {
  // DRF answers every request of an APIView with its Allow header and varies on Accept (content negotiation).
  routeView(
    app,
    knownPaths,
    path,
    handlers,
    'Accept, Accept-Language, Cookie',
    true,
    (method, request, reply) => {
      if (method === 'OPTIONS') return sendJson(reply, 200, { name: path, renders: ['application/json'] });
      return sendJson(reply, 405, { detail: `Method "${request.method}" not allowed.` });
    },
  );
}

/** A plain Django view (HTML pages, OAuth endpoints): other methods get an empty 405 with Allow. */
export function djangoView(
  app: FastifyInstance,
  knownPaths: Set<string>,
  path: string,
  handlers: ViewHandlers,
): void {
  routeView(app, knownPaths, path, handlers, 'Accept-Language, Cookie', false, (method, _request, reply) =>
    reply.code(method === 'OPTIONS' ? 200 : 405).send(''),
  );
}

type ViewHandlers = { GET?: Handler; POST?: Handler };

/**
 * Routes every method of `path`: GET (and HEAD) and POST go to their handlers; any other method gets the
 * Allow header and then `unhandled`, which is where DRF and plain Django views answer differently. Every answer
 * carries the middleware headers with `vary`, and the Allow header too when `alwaysAllow` (DRF).
 */
function routeView(
  app: FastifyInstance,
  knownPaths: Set<string>,
  path: string,
  handlers: ViewHandlers,
  vary: string,
  alwaysAllow: boolean,
  unhandled: (method: string, request: FastifyRequest, reply: FastifyReply) => unknown,
): void {
  knownPaths.add(path);
  const allowed = [...(handlers.GET ? ['GET', 'HEAD'] : []), ...(handlers.POST ? ['POST'] : []), 'OPTIONS'];
  app.route({
    method: [...ALL_METHODS],
    url: path,
    handler: async (request, reply) => {
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const handler = method === 'GET' ? handlers.GET : method === 'POST' ? handlers.POST : undefined;
      middlewareHeaders(reply, vary);
      if (alwaysAllow || !handler) reply.header('Allow', allowed.join(', '));
      if (handler) return handler(request, reply);
      return unhandled(method, request, reply);
    },
  });
}

/** Whether APPEND_SLASH would redirect this path (a registered route exists with a trailing slash). */
export function wouldAppendSlash(knownPaths: Set<string>, path: string): boolean {
  if (path.endsWith('/')) return false;
  const candidate = `${path}/`;
  for (const known of knownPaths) {
    if (known === candidate) return true;
    if (known.includes(':')) {
      const pattern = known.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+');
      if (new RegExp(`^${pattern}$`).test(candidate)) return true;
    }
  }
  return false;
}

/** The absolute base URL as Django's build_absolute_uri sees it: from the Host header. */
export function requestBaseUrl(request: FastifyRequest, fallback: string): string {
  const host = request.headers.host;
  return host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : fallback;
}
