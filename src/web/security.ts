// Security headers and CSRF. The CSP needs no inline script: every script is a file under /static. Images
// come from this site only, except on a map page of a member who agreed to background tiles (map-tiles.ts).
// CSRF tokens are checked in preHandler (after the form body is parsed) on every form post.
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet, { contentSecurityPolicy as cspMiddleware } from 'helmet';
import type { AppContext } from '../context.ts';

/** The policy; `tiles` is the tile server's origin, given only for a consenting member's map page. */
export function contentSecurityPolicy(ctx: AppContext, tiles?: string): Record<string, string[] | null> {
  const https = ctx.config.appBaseUrl.startsWith('https://');
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', ...(tiles ? [tiles] : [])],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    // On plain http (local sandbox) upgrading would break every same-origin request.
    upgradeInsecureRequests: https ? [] : null,
  };
}

type HeaderMiddleware = ReturnType<typeof helmet>;
const noop = () => {};

/**
 * helmet's headers on every response. The middleware is built once here: @fastify/helmet rebuilt it (parsing
 * every CSP directive) on each request, a sixth of what a dashboard poll cost.
 */
export async function registerSecurity(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const https = ctx.config.appBaseUrl.startsWith('https://');
  const headers = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(ctx) },
    strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (request, reply, done) => headers(request.raw, reply.raw, () => done()));
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(csrf, {
    sessionPlugin: '@fastify/secure-session',
    getToken: (req) => csrfFromBody(req.body),
  });
}

/** The widened policy's middleware, built once per context and tile origin. */
const tilePolicies = new WeakMap<AppContext, Map<string, HeaderMiddleware>>();

/** Widens this reply's Content-Security-Policy to images from `tiles` (a tile server's origin). */
export function allowImagesFrom(ctx: AppContext, reply: FastifyReply, tiles: string): void {
  const policies = tilePolicies.get(ctx) ?? new Map<string, HeaderMiddleware>();
  tilePolicies.set(ctx, policies);
  let policy = policies.get(tiles);
  if (!policy) {
    policy = cspMiddleware({ useDefaults: false, directives: contentSecurityPolicy(ctx, tiles) });
    policies.set(tiles, policy);
  }
  policy(reply.request.raw, reply.raw, noop);
}

function csrfFromBody(body: unknown): string | undefined {
  if (body && typeof body === 'object' && '_csrf' in body) {
    const v = (body as { _csrf: unknown })._csrf;
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}
