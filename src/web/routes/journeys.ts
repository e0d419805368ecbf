// /journeys: the days spent more than 50 km from home grouped into journeys, the countries visited each year
// (found on this server from bundled boundaries: no location leaves it), and every flight with the local time
// and zone at both ends.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { countryName } from '../../insights/countries.ts';
import { AWAY_METRES, countriesByYear, flightsOf, homeOf, journeysOf } from '../../insights/journeys.ts';
import { placesOf } from '../../insights/places.ts';
import { isoDay } from '../../storyline/day.ts';
import { dayWords, formatDistance, formatDuration, localTimeWithZone } from '../../storyline/units.ts';
import { memberLocale } from '../locale-prefs.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';

/** How many journeys and flights the page lists. */
const LISTED = 100;

export function registerJourneys(app: FastifyInstance, ctx: AppContext): void {
  app.get('/journeys', { preHandler: requireMember }, async (request, reply) => {
    const memberId = request.member!.id;
    await ctx.insights.fill(memberId);
    const [visits, totals, { prefs }] = await Promise.all([
      ctx.insights.visits(memberId),
      ctx.insights.totals(memberId),
      memberLocale(ctx, request, memberId),
    ]);
    const home = homeOf(placesOf(visits));
    const countries = new Map(totals.map((d) => [d.date, d.countries]));
    const journeys = home ? journeysOf(visits, home, countries) : [];
    return renderPage(request, reply, 'journeys', {
      title: 'Journeys and countries',
      away: formatDistance(AWAY_METRES, prefs.units),
      home: home ? { name: home.name ?? 'Home', href: `/places/${home.key}` } : undefined,
      journeys: journeys.slice(0, LISTED).map((j) => ({
        from: dayWords(j.from),
        fromHref: `/day/${isoDay(j.from)}`,
        to: dayWords(j.to),
        toHref: `/day/${isoDay(j.to)}`,
        days: j.days,
        places: j.places.slice(0, 12).map((p) => ({ name: p.name, href: `/places/${p.key}` })),
        countries: j.countries.map(countryName).join(', '),
      })),
      more: Math.max(0, journeys.length - LISTED),
      years: countriesByYear(totals).map((y) => ({
        year: y.year,
        countries: y.countries.map(countryName).join(', '),
      })),
      flights: flightsOf(visits)
        .slice(0, LISTED)
        .map((f) => ({
          href: `/day/${isoDay(f.date)}`,
          day: dayWords(f.date),
          from: localTimeWithZone(f.start, prefs.clock),
          to: localTimeWithZone(f.end, prefs.clock),
          distance: formatDistance(f.distance, prefs.units),
          duration: formatDuration(f.duration),
        })),
    });
  });
}
