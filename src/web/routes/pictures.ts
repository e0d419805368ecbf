// Pictures of the member's data: the map of the last 7 days, or of the last day with data (JSON for the map script) and the calendar of the
// whole history (server-rendered from the step totals kept beside each stored week, so no track point is read).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { buildCalendar } from '../calendar.ts';
import { isoDay, shiftDay } from '../day-dates.ts';
import { buildMapData } from '../map-data.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';
import { z } from 'zod';

/** How many of the last days with data the map shows: 7 for a member who syncs, 1 (the last day) otherwise. */
const mapQuery = z.object({ days: z.coerce.number().int().min(1).max(7).default(7) });

const maxDay = (a: string, b: string) => (a > b ? a : b);

export function registerPictures(app: FastifyInstance, ctx: AppContext): void {
  zodRoutes(app).get(
    '/dashboard/map.json',
    { schema: { querystring: mapQuery }, ...zodValidated },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (request.validationError)
        return reply.code(400).send({ error: 'days must be a whole number from 1 to 7' });
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
      return reply.send(buildMapData(days, request.query.days));
    },
  );

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
