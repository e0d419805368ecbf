// The places pages: /places ranks the member's places by time spent and by visits; /places/:key lists one
// place's visits, each linking to its day. A place is its Moves place id, else its location rounded to about
// 50 m (src/insights/day-summary.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { placesOf, visitsTo, type Place } from '../../insights/places.ts';
import { isoDay } from '../../storyline/day.ts';
import {
  dayWords,
  formatCount,
  formatDistance,
  formatDuration,
  localTimeWithZone,
} from '../../storyline/units.ts';
import { sendMessagePage } from '../errors.ts';
import { memberLocale } from '../locale-prefs.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';

/** How many places each ranking lists. */
const LISTED = 50;

function placeName(p: Place): string {
  return p.name ?? `Unnamed place near ${p.lat.toFixed(3)}, ${p.lon.toFixed(3)}`;
}

function placeRow(p: Place) {
  return {
    href: `/places/${p.key}`,
    name: placeName(p),
    named: p.name !== undefined,
    type: p.type ?? 'unknown',
    time: formatDuration(p.seconds),
    visits: formatCount(p.visits),
    days: formatCount(p.dates.length),
    first: dayWords(p.first),
    last: dayWords(p.last),
  };
}

const placeParams = z.object({ key: z.string().regex(/^(m\d{1,19}|g-?\d{1,7}_-?\d{1,7})$/) });

export function registerPlaces(app: FastifyInstance, ctx: AppContext): void {
  app.get('/places', { preHandler: requireMember }, async (request, reply) => {
    const memberId = request.member!.id;
    await ctx.insights.fill(memberId);
    const [visits, { prefs }] = await Promise.all([
      ctx.insights.visits(memberId),
      memberLocale(ctx, request, memberId),
    ]);
    const places = placesOf(visits);
    const byVisits = [...places].sort((a, b) => b.visits - a.visits || b.seconds - a.seconds);
    return renderPage(request, reply, 'places', {
      title: 'Your places',
      count: formatCount(places.length),
      // The size of a place without a Moves id (PLACE_STEP, about 50 m), in the member's units.
      spot: formatDistance(50, prefs.units),
      byTime: places.slice(0, LISTED).map(placeRow),
      byVisits: byVisits.slice(0, LISTED).map(placeRow),
    });
  });

  zodRoutes(app).get(
    '/places/:key',
    { schema: { params: placeParams }, ...zodValidated, preHandler: requireMember },
    async (request, reply) => {
      const memberId = request.member!.id;
      const key = request.validationError ? undefined : request.params.key;
      if (key) await ctx.insights.fill(memberId);
      const days = key ? await ctx.insights.visits(memberId) : [];
      const place = key ? placesOf(days).find((p) => p.key === key) : undefined;
      if (!key || !place)
        return sendMessagePage(request, reply, {
          status: 404,
          title: 'No such place',
          what: 'None of your days has a visit to this place.',
          actions: [{ href: '/places', label: 'Back to your places' }],
        });
      const { clock } = (await memberLocale(ctx, request, memberId)).prefs;
      return renderPage(request, reply, 'place', {
        title: placeName(place),
        place: placeRow(place),
        visits: visitsTo(days, key)
          .reverse()
          .map((v) => ({
            href: `/day/${isoDay(v.date)}`,
            day: dayWords(v.date),
            from: v.start ? localTimeWithZone(v.start, clock) : '',
            to: v.end ? localTimeWithZone(v.end, clock) : '',
            time: v.seconds ? formatDuration(v.seconds) : '',
          })),
      });
    },
  );
}
