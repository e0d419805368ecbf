// The Fastify app of the web role: sessions, security headers, CSRF, views, static files, the member pages,
// webhooks, admin, metrics and /healthz. Routes keep the original app's paths (with or without a slash).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { registerErrorPages } from './errors.ts';
import { registerHealthRoute } from './health.ts';
import { registerAccountRoutes } from './routes/account.ts';
import { registerAdmin } from './routes/admin.ts';
import { registerDashboard } from './routes/dashboard.ts';
import { registerDay } from './routes/day.ts';
import { registerExports } from './routes/exports.ts';
import { registerHistoryMap } from './routes/history-map.ts';
import { registerHome } from './routes/home.ts';
import { registerMapConsent } from './routes/map-consent.ts';
import { registerImport } from './routes/import.ts';
import { registerJourneys } from './routes/journeys.ts';
import { registerMetrics } from './routes/metrics.ts';
import { registerMovesConnect } from './routes/moves-connect.ts';
import { registerOpenHumansLogin } from './routes/openhumans-login.ts';
import { registerPictures } from './routes/pictures.ts';
import { registerPreferences } from './routes/preferences.ts';
import { registerPlaces } from './routes/places.ts';
import { registerUpdate } from './routes/update.ts';
import { registerWebhooks } from './routes/webhooks.ts';
import { registerYears } from './routes/years.ts';
import { registerSecurity } from './security.ts';
import { registerSessions } from './session.ts';
import { registerViews } from './views.ts';
import { enforceZodSchemas } from './zod-routes.ts';

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const LEAFLET_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('leaflet/package.json')),
  'dist',
);

const HEADERS_TIMEOUT_MS = 30_000;
/** The slowest upload we wait for: the largest allowed at 256 KiB/s. Stalled uploads are closed much sooner. */
const SLOWEST_UPLOAD_BYTES_PER_S = 256 * 1024;

/** Node's whole-request timeout (0, never, by default): long enough for the largest upload, at least 10 minutes. */
export function requestTimeoutMs(importMaxBytes: number): number {
  return Math.max(600_000, Math.ceil(importMaxBytes / SLOWEST_UPLOAD_BYTES_PER_S) * 1000);
}

export async function buildWebApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger.child({ role: 'web' }) as FastifyBaseLogger,
    trustProxy: true,
    // Request logging stays on (the logger's req serializer redacts query values: callbacks carry codes).
    logController: new LogController({ disableRequestLogging: false }),
    routerOptions: { ignoreTrailingSlash: true },
    requestTimeout: requestTimeoutMs(ctx.config.importMaxBytes),
  });
  // Headers arrive in one go from a browser; a client that dribbles them is holding a connection for nothing.
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  enforceZodSchemas(app);
  registerHealthRoute(app, ctx);
  registerMetrics(app, ctx);
  await registerWebhooks(app, ctx);
  await registerSessions(app, ctx);
  await registerSecurity(app, ctx);
  await registerViews(app, ctx);
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', maxAge: '1h' });
  await app.register(fastifyStatic, {
    root: LEAFLET_DIR,
    prefix: '/static/leaflet/',
    decorateReply: false,
    maxAge: '1d',
    allowedPath: (p) => /\.(js|css|png|svg)$/.test(p),
  });
  registerErrorPages(app);
  registerHome(app, ctx);
  registerOpenHumansLogin(app, ctx);
  // Import-only mode: no Moves connection, so no Connect Moves and no "Update now" (which asks Moves).
  if (ctx.config.moves.enabled) registerMovesConnect(app, ctx);
  registerDashboard(app, ctx);
  if (ctx.config.moves.enabled) registerUpdate(app, ctx);
  await registerImport(app, ctx);
  registerAccountRoutes(app, ctx);
  registerPictures(app, ctx);
  registerDay(app, ctx);
  registerExports(app, ctx);
  registerYears(app, ctx);
  registerPlaces(app, ctx);
  registerJourneys(app, ctx);
  registerHistoryMap(app, ctx);
  registerMapConsent(app, ctx);
  registerPreferences(app, ctx);
  registerAdmin(app, ctx);
  return app;
}
