// Server-rendered pages: eta templates under src/web/views through @fastify/view. `<%= %>` escapes; every
// page gets the sandbox flag, the signed-in member, flash messages and a CSRF token for its forms.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { takeFlash } from './session.ts';
import { plural } from '../util/time-words.ts';
import { formatBytes } from './status-words.ts';

export const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');

export async function registerViews(app: FastifyInstance, ctx: AppContext): Promise<void> {
  // Templates are compiled once and kept: compiling one costs more than serving the page. A developer editing
  // templates sets NODE_ENV=development to see changes without a restart.
  const cache = process.env.NODE_ENV !== 'development';
  const eta = new Eta({ views: VIEWS_DIR, cache, autoEscape: true });
  await app.register(view, {
    engine: { eta },
    production: cache, // @fastify/view otherwise switches eta's cache off outside NODE_ENV=production
    root: VIEWS_DIR,
    defaultContext: {
      appName: 'Moves for Open Humans',
      sandbox: ctx.config.sandbox,
      activityPage: ctx.config.openHumans.activityPage,
      formatBytes,
      plural,
    },
  });
}

export interface PageData {
  title: string;
  [k: string]: unknown;
}

/** Renders a page with the common data. `status` lets error pages share the layout. */
export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: PageData,
  status = 200,
): Promise<FastifyReply> {
  return sendPage(reply, await pageHtml(request, reply, template, data), status);
}

/** A page's HTML with the common data: the member, the flash messages (taken) and a CSRF token for its forms. */
export async function pageHtml(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: PageData,
): Promise<string> {
  let csrfToken = '';
  try {
    csrfToken = await reply.generateCsrf();
  } catch {
    // the session plugin failed for this request (e.g. an error page before the session loaded)
  }
  return reply.server.view(template, {
    ...data,
    member: request.member,
    flash: takeFlash(request),
    csrfToken,
  });
}

export function sendPage(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}
