// Pictures of the member's data: the map of the last 7 days (JSON for the map script) and the calendar of the
// whole history (server-rendered from the step totals kept beside each stored week, so no track point is read).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { buildCalendar } from '../calendar.ts';
import { isoDay, shiftDay } from '../day-dates.ts';
import { buildMapData } from '../map-data.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';

const maxDay = (a: string, b: string) => (a > b ? a : b);

export function registerPictures(app: FastifyInstance, ctx: AppContext): void {
  app.get('/dashboard/map.json', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!request.member) return reply.code(401).send({ error: 'not signed in' });
    // The newest two ISO weeks always hold the last 7 days that have data (or fewer, early on).
    const weeks = await ctx.weeks.newest(request.member.id, 3);
    const days: unknown[] = [];
    for (const daysJson of weeks) {
      try {
        const parsed: unknown = JSON.parse(daysJson);
        if (Array.isArray(parsed)) days.push(...(parsed as unknown[]));
      } catch {
        // a malformed stored week is skipped on the map (the sync validates before storing)
      }
    }
    return reply.send(buildMapData(days, 7));
  });

  app.get('/history', { preHandler: requireMember }, async (request, reply) => {
    const [totals, stored] = await Promise.all([
      ctx.weeks.stepsPerDay(request.member!.id),
      ctx.weeks.range(request.member!.id),
    ]);
    const range =
      stored.firstDay && stored.lastDay
        ? {
            first: isoDay(stored.firstDay),
            last: isoDay(stored.lastDay),
            // A month back from the newest day (or the whole history when it is shorter).
            defaultFrom: isoDay(maxDay(stored.firstDay, shiftDay(stored.lastDay, -30))),
          }
        : undefined;
    return renderPage(request, reply, 'history', {
      title: 'Your history',
      years: buildCalendar(totals),
      range,
    });
  });
}
