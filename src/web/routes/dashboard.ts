// The dashboard (connection, live progress, times, last error, actions, recent events) and its JSON status
// endpoint, which the page's script polls every 2 s.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { currentFiles, movesAccountOf, recentEvents, storedSummary, syncStateOf } from '../member-data.ts';
import { requireMember } from '../session.ts';
import { describeStatus, formatWhen } from '../status-words.ts';
import { renderPage } from '../views.ts';

export async function statusFor(ctx: AppContext, memberId: number) {
  const [account, state] = await Promise.all([movesAccountOf(ctx, memberId), syncStateOf(ctx, memberId)]);
  return {
    account,
    status: describeStatus({
      account,
      state,
      now: ctx.clock.now(),
      cooldownMinutes: ctx.config.manualUpdateCooldownMinutes,
      staleAfterHours: ctx.config.staleAfterHours,
    }),
  };
}

function memberId(request: FastifyRequest): number {
  return request.member!.id;
}

/** The parts of the page that change while an import runs, besides the status itself. */
async function dataTexts(
  ctx: AppContext,
  memberId: number,
): Promise<{ storedText: string; fileText: string; hasFile: boolean }> {
  const [files, stored] = await Promise.all([currentFiles(ctx, memberId), storedSummary(ctx, memberId)]);
  const now = ctx.clock.now();
  const fmtDay = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  const storedText =
    `${stored.weeks} weeks, ${stored.days} days` +
    (stored.firstDay && stored.lastDay ? ` (${fmtDay(stored.firstDay)} to ${fmtDay(stored.lastDay)})` : '');
  const fileText = files.length
    ? files
        .map(
          (f) =>
            `On Open Humans: ${f.basename}, ${Math.round(f.size / 1024)} KB, published ${formatWhen(f.publishedAt, now)}.`,
        )
        .join(' ')
    : 'No file on Open Humans yet: it appears as soon as the first weeks are imported.';
  return { storedText, fileText, hasFile: files.length > 0 };
}

export function registerDashboard(app: FastifyInstance, ctx: AppContext): void {
  app.get('/dashboard', { preHandler: requireMember }, async (request, reply) => {
    const id = memberId(request);
    const [{ account, status }, events, texts] = await Promise.all([
      statusFor(ctx, id),
      recentEvents(ctx, id, 10),
      dataTexts(ctx, id),
    ]);
    const now = ctx.clock.now();
    return renderPage(request, reply, 'dashboard', {
      title: 'Your dashboard',
      account,
      status,
      ...texts,
      events: events.map((e) => ({
        when: formatWhen(e.at, now),
        iso: e.at.toISOString(),
        kind: e.kind,
        message: e.message,
      })),
      mapTileUrl: ctx.config.mapTileUrl ?? '',
      welcome: !account,
    });
  });

  // Polled every 2 s by each open dashboard: keep it out of the info-level request log.
  app.get('/dashboard/status', { logLevel: 'warn' }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!request.member) return reply.code(401).send({ error: 'not signed in' });
    const [{ status }, texts] = await Promise.all([
      statusFor(ctx, memberId(request)),
      dataTexts(ctx, memberId(request)),
    ]);
    return reply.send({ ...status, ...texts });
  });
}
