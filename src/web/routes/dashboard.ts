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
import { describeStatus, formatBytes, type DashboardStatus } from '../status-words.ts';
import { displayZone, formatMovesDay, formatWhen, plural, zoneNote } from '../../util/time-words.ts';
import { pageHtml, sendPage } from '../views.ts';

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
  /** "Times are in Europe/Berlin, the time zone of your Moves account." */
  zoneNote: string;
  storedText: string;
  /** Something is stored: the import action offers "another" export. */
  hasData: boolean;
  fileText: string;
  hasFile: boolean;
  events: DashboardEvent[];
}

/** Event kinds as a member reads them in "Recent activity". */
const EVENT_LABELS: Record<string, string> = {
  queued: 'Queued',
  rate_limited: 'Paused',
  published: 'Published',
  completed: 'Done',
  error: 'Problem',
  needs_reauth: 'Needs reconnect',
  paused: 'Paused',
  edits_found: 'Changes found',
  data_reset: 'Account changed',
  disconnected: 'Disconnected',
  archive_imported: 'Archive imported',
  seeded: 'Read back',
  notice: 'Message sent',
  notice_failed: 'Message not sent',
};

export function eventLabel(kind: string): string {
  const label = EVENT_LABELS[kind] ?? kind.replace(/_/g, ' ');
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/**
 * Views already worked out, per overview (the member view cache hands the same object to every request until
 * it changes) and second: the page and its poll render times in the member's zone, which costs more than the
 * rest of the request when many polls arrive at once.
 */
const recentViews = new WeakMap<MemberOverview, { second: number; view: DashboardView }>();

/**
 * Dashboard pages rendered from one view (so for at most a second), per session CSRF secret: a member's open tabs
 * and reloads within that second cost one render. The page's CSRF token stays valid for the session it was made
 * for, the only one it is sent to.
 */
const renderedPages = new WeakMap<DashboardView, Map<string, string>>();

/** What the page shows and the poll returns, from one overview (worked out at most once a second). */
export function dashboardView(ctx: AppContext, o: MemberOverview): DashboardView {
  const now = ctx.clock.now();
  const second = Math.floor(now / 1000);
  const recent = recentViews.get(o);
  if (recent?.second === second) return recent.view;
  const view = buildDashboardView(ctx, o, now);
  recentViews.set(o, { second, view });
  return view;
}

/** The member's Moves account as the dashboard treats it: none when the Moves connection is off (import-only). */
function movesAccount(ctx: AppContext, o: MemberOverview): MemberOverview['account'] {
  return ctx.config.moves.enabled ? o.account : undefined;
}

function buildDashboardView(ctx: AppContext, o: MemberOverview, now: number): DashboardView {
  const zone = displayZone(o.account?.timeZone);
  const { stored, files } = o;
  const status = describeStatus({
    account: movesAccount(ctx, o),
    ohNeedsReauth: o.member.ohNeedsReauth,
    state: o.state,
    hasFile: files.length > 0,
    now,
    zone,
    cooldownMinutes: ctx.config.manualUpdateCooldownMinutes,
    staleAfterHours: ctx.config.staleAfterHours,
  });
  const storedText =
    stored.weeks === 0
      ? 'Nothing yet'
      : `${plural(stored.days, 'day')}` +
        (stored.firstDay && stored.lastDay
          ? `, from ${formatMovesDay(stored.firstDay)} to ${formatMovesDay(stored.lastDay)}`
          : '') +
        ` (${plural(stored.weeks, 'week')})`;
  const fileText = files.length
    ? files
        .map(
          (f) =>
            `On Open Humans: ${f.basename}, ${formatBytes(f.size)}, last updated ${formatWhen(f.publishedAt, now, zone)}.`,
        )
        .join(' ')
    : status.busy
      ? 'No file on Open Humans yet: the import publishes it while it runs and again when it finishes.'
      : 'No file on Open Humans yet.';
  return {
    status,
    // Without a Moves account no zone will ever come from Moves: times stay in UTC.
    zoneNote: movesAccount(ctx, o) ? zoneNote(o.account?.timeZone) : 'Times are in UTC.',
    storedText,
    hasData: stored.weeks > 0,
    fileText,
    hasFile: files.length > 0,
    events: o.events.map((e) => ({
      when: formatWhen(e.at, now, zone),
      iso: e.at.toISOString(),
      kind: e.kind,
      label: eventLabel(e.kind),
      message: e.message,
    })),
  };
}

/**
 * The connected Moves account in words a person knows it by (its recording start and time zone), not by Moves'
 * internal user id.
 */
export function describeMovesAccount(a: { firstDate: string | null; timeZone: string | null }): string {
  const facts = [
    a.firstDate ? `recording since ${formatMovesDay(a.firstDate)}` : null,
    a.timeZone ? `time zone ${a.timeZone}` : null,
  ].filter(Boolean);
  return `Connected to your Moves account${facts.length ? ` (${facts.join(', ')})` : ''}.`;
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
    const mapTiles = mapTilesFor(ctx, overview.member, reply);
    // The same view for the same session renders the same page: reuse it unless a message is waiting.
    const secret = request.session.get('_csrf');
    const reusable = typeof secret === 'string' && !request.session.get('flash')?.length;
    const rendered = reusable ? renderedPages.get(view)?.get(secret) : undefined;
    if (rendered) return sendPage(reply, rendered);
    const newestFile = overview.files.reduce<Date | null>(
      (t, f) => (t && t > f.publishedAt ? t : f.publishedAt),
      null,
    );
    const html = await pageHtml(request, reply, 'dashboard', {
      title: 'Your dashboard',
      account: movesAccount(ctx, overview),
      movesEnabled: ctx.config.moves.enabled,
      movesAccountText: overview.account ? describeMovesAccount(overview.account) : '',
      ...view,
      mapTiles,
      importStatus: describeImport(await latestUpload(ctx, overview.member.id), newestFile),
    });
    if (reusable) {
      const pages = renderedPages.get(view) ?? new Map<string, string>();
      renderedPages.set(view, pages.set(secret, html));
    }
    return sendPage(reply, html);
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
