// The dashboard (connection, live progress, times, last error, actions, recent events) and its JSON status
// endpoint, which the page's script polls every 2 s. Both are read by every open dashboard all the time, so
// each makes exactly one database query (memberOverview) and no upstream call.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { mapTilesFor } from '../map-tiles.ts';
import { latestUpload } from '../../archive/uploads.ts';
import { describeImport } from '../import-status.ts';
import type { MemberOverview } from '../../accounts/index.ts';
import { addFlash, sessionMember } from '../session.ts';
import { describeStatus, formatBytes, formatWhen, type DashboardStatus } from '../status-words.ts';
import { renderPage } from '../views.ts';

/** How many events "Recent activity" lists. */
export const RECENT_EVENTS = 10;

export interface DashboardEvent {
  when: string;
  iso: string;
  kind: string;
  label: string;
  message: string;
}

export interface DashboardView {
  status: DashboardStatus;
  storedText: string;
  fileText: string;
  hasFile: boolean;
  events: DashboardEvent[];
}

const fmtDay = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;

/** What the page shows and the poll returns, from one overview. Pure apart from the clock reading. */
export function dashboardView(ctx: AppContext, o: MemberOverview): DashboardView {
  const now = ctx.clock.now();
  const { stored, files } = o;
  const storedText =
    `${stored.weeks} weeks, ${stored.days} days` +
    (stored.firstDay && stored.lastDay ? ` (${fmtDay(stored.firstDay)} to ${fmtDay(stored.lastDay)})` : '');
  const fileText = files.length
    ? files
        .map(
          (f) =>
            `On Open Humans: ${f.basename}, ${formatBytes(f.size)}, published ${formatWhen(f.publishedAt, now)}.`,
        )
        .join(' ')
    : 'No file on Open Humans yet: it appears as soon as the first weeks are imported.';
  return {
    status: describeStatus({
      account: o.account,
      ohNeedsReauth: o.member.ohNeedsReauth,
      state: o.state,
      now,
      cooldownMinutes: ctx.config.manualUpdateCooldownMinutes,
      staleAfterHours: ctx.config.staleAfterHours,
    }),
    storedText,
    fileText,
    hasFile: files.length > 0,
    events: o.events.map((e) => ({
      when: formatWhen(e.at, now),
      iso: e.at.toISOString(),
      kind: e.kind,
      label: e.kind.replace(/_/g, ' '),
      message: e.message,
    })),
  };
}

export function registerDashboard(app: FastifyInstance, ctx: AppContext): void {
  // These routes load the member themselves (in their one query) instead of in the session preHandler.
  app.get('/dashboard', { config: { loadsOwnMember: true } }, async (request, reply) => {
    const id = request.session.get('memberId');
    const found = typeof id === 'number' ? await ctx.accounts.overview(id, RECENT_EVENTS) : undefined;
    // Deleted meanwhile, or the session was ended by a logout: signed out.
    const overview = sessionMember(request, found?.member) ? found : undefined;
    if (!overview) {
      addFlash(request, 'info', 'Please sign in with Open Humans first.');
      return reply.redirect('/', 303);
    }
    request.member = overview.member;
    const view = dashboardView(ctx, overview);
    const newestFile = overview.files.reduce<Date | null>(
      (t, f) => (t && t > f.publishedAt ? t : f.publishedAt),
      null,
    );
    return renderPage(request, reply, 'dashboard', {
      title: 'Your dashboard',
      account: overview.account,
      ...view,
      mapTiles: overview.account ? mapTilesFor(ctx, overview.member, reply) : undefined,
      importStatus: describeImport(await latestUpload(ctx, overview.member.id), newestFile),
      welcome: !overview.account,
    });
  });

  // Polled every 2 s by each open dashboard: keep it out of the info-level request log.
  app.get(
    '/dashboard/status',
    { logLevel: 'warn', config: { loadsOwnMember: true } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const id = request.session.get('memberId');
      const found = typeof id === 'number' ? await ctx.accounts.overview(id, RECENT_EVENTS) : undefined;
      const overview = sessionMember(request, found?.member) ? found : undefined;
      if (!overview) return reply.code(401).send({ error: 'not signed in' });
      const { status, ...rest } = dashboardView(ctx, overview);
      return reply.send({ ...status, ...rest });
    },
  );
}
