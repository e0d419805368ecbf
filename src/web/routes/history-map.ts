// /map: one map of every year, or of one chosen year: the density of all track points, drawn from the grid-cell
// counts kept with each stored week (never from the raw points) and coarsened to at most MAX_CELLS cells, so
// the payload stays small for any history. Background tiles only after the member agreed (map-tiles.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { densityOf } from '../../insights/density.ts';
import { formatCount } from '../../storyline/units.ts';
import { mapTilesFor } from '../map-tiles.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';

const yearQuery = z.object({ year: z.coerce.number().int().min(1970).max(9999).optional() });

export function registerHistoryMap(app: FastifyInstance, ctx: AppContext): void {
  zodRoutes(app).get(
    '/map',
    { schema: { querystring: yearQuery }, ...zodValidated, preHandler: requireMember },
    async (request, reply) => {
      const member = request.member!;
      await ctx.insights.fill(member.id);
      const years = [
        ...new Set((await ctx.insights.totals(member.id)).map((d) => Number(d.date.slice(0, 4)))),
      ];
      const asked = request.validationError ? undefined : request.query.year;
      const year = asked !== undefined && years.includes(asked) ? asked : undefined;
      return renderPage(request, reply, 'history-map', {
        title: year ? `Map of ${year}` : 'Map of every year',
        year,
        years: years.sort((a, b) => b - a),
        src: `/map/density.json${year ? `?year=${year}` : ''}`,
        tiles: mapTilesFor(ctx, member, reply),
      });
    },
  );

  zodRoutes(app).get(
    '/map/density.json',
    { schema: { querystring: yearQuery }, ...zodValidated },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!request.member) return reply.code(401).send({ error: 'not signed in' });
      if (request.validationError) return reply.code(400).send({ error: 'year must be a year' });
      const density = densityOf(await ctx.insights.cells(request.member.id), request.query.year);
      return reply.send({ ...density, pointsText: formatCount(density.points) });
    },
  );
}
