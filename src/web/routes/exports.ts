// Downloads of the member's own stored days as GPX 1.1 or GeoJSON, for one day or a date range, streamed from
// the stored weeks a few at a time (a range of years never sits in memory).
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { readDay, type StoredDay } from '../../storyline/day.ts';
import { GEOJSON_CONTENT_TYPE, geojsonChunks } from '../../storyline/geojson.ts';
import { GPX_CONTENT_TYPE, gpxChunks } from '../../storyline/gpx.ts';
import { isoDay, isoDayText, storedDate } from '../day-dates.ts';
import { sendMessagePage } from '../errors.ts';
import { requireMember } from '../session.ts';
import { zodChecked, zodRoutes } from '../zod-routes.ts';

export const EXPORT_FORMATS = ['gpx', 'geojson'] as const;

// An unknown format or a date not in the yyyy-MM-dd form is a 400 (the app's error page); dates that do not
// make a range get their own 400 page, below.
const exportQuery = z.object({ format: z.enum(EXPORT_FORMATS), from: isoDayText, to: isoDayText });

async function* validDays(ctx: AppContext, memberId: number, from: string, to: string) {
  for await (const raw of ctx.weeks.streamDays(memberId, from, to)) {
    const day = readDay(raw);
    if (day) yield day;
  }
}

export function registerExports(app: FastifyInstance, ctx: AppContext): void {
  zodRoutes(app).get(
    '/export',
    { schema: { querystring: exportQuery }, ...zodChecked, preHandler: requireMember },
    async (request, reply) => {
      const memberId = request.member!.id;
      const { format } = request.query;
      const from = storedDate(request.query.from);
      const to = storedDate(request.query.to);
      if (!from || !to || from > to)
        return sendMessagePage(request, reply, {
          status: 400,
          title: 'Those dates do not make a range',
          what: `From ${request.query.from} to ${request.query.to} is not a range of calendar days (the first date must exist and not come after the second).`,
          todo: 'Pick the dates again on the history page.',
          actions: [{ href: '/history', label: 'Back to the calendar' }],
        });
      const label = from === to ? isoDay(from) : `${isoDay(from)}_${isoDay(to)}`;
      const days = (): AsyncIterable<StoredDay> => validDays(ctx, memberId, from, to);
      const chunks =
        format === 'gpx'
          ? gpxChunks(days, {
              name: `Moves storyline ${label.replace('_', ' to ')}`,
              generatedAt: ctx.clock.date(),
            })
          : geojsonChunks(days());
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="moves-${label}.${format}"`)
        .type(format === 'gpx' ? GPX_CONTENT_TYPE : GEOJSON_CONTENT_TYPE)
        .send(Readable.from(chunks));
    },
  );
}
