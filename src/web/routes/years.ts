// The years pages: /years (each year's totals per activity group) and /years/YYYY (its months as bar charts
// drawn here as SVG, the same numbers as a table, the busiest days and the longest moves). Read from the day
// summaries (ctx.insights), never from the stored weeks' text.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { barChart } from '../../insights/bar-chart.ts';
import { countryName } from '../../insights/countries.ts';
import type { GroupTotals } from '../../insights/day-summary.ts';
import { yearDetail, yearSummaries, type PeriodTotals } from '../../insights/years.ts';
import { isoDay } from '../../storyline/day.ts';
import {
  dayWords,
  formatCount,
  formatDistance,
  formatDuration,
  MONTH_NAMES,
  type UnitSystem,
} from '../../storyline/units.ts';
import { sendMessagePage } from '../errors.ts';
import { memberLocale } from '../locale-prefs.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';

/** One table row of totals, in words and the member's units. */
function totalsRow(name: string, t: GroupTotals & { days?: number }, units: UnitSystem) {
  return {
    name,
    distance: formatDistance(t.distance, units),
    duration: formatDuration(t.duration),
    steps: formatCount(t.steps),
    calories: formatCount(t.calories),
    days: t.days === undefined ? '' : formatCount(t.days),
  };
}

function totalsTable(p: PeriodTotals, units: UnitSystem) {
  return {
    all: totalsRow('All activities', p.all, units),
    groups: p.groups.map((g) => totalsRow(g.group, g.totals, units)),
  };
}

/**
 * The years of a member's totals, computed once per totals array: ctx.insights hands back the same array while
 * the member's rows are unchanged, so a reload costs no summing.
 */
const summed = new WeakMap<object, ReturnType<typeof yearSummaries>>();
function yearsOf(days: Parameters<typeof yearSummaries>[0]) {
  let years = summed.get(days);
  if (!years) summed.set(days, (years = yearSummaries(days)));
  return years;
}

const yearParams = z.object({ year: z.coerce.number().int().min(1970).max(9999) });

/** The month charts and the table with their numbers, both in the member's units. */
function monthCharts(months: PeriodTotals[], units: UnitSystem) {
  const labels = MONTH_NAMES.map((m) => m.slice(0, 3));
  return {
    distance: barChart(
      months.map((m) => m.all.distance),
      labels,
      (metres) => formatDistance(metres, units),
    ),
    steps: barChart(
      months.map((m) => m.all.steps),
      labels,
      (n) => `${formatCount(n)} steps`,
    ),
    rows: months.map((m, i) => ({ month: MONTH_NAMES[i]!, ...totalsRow(MONTH_NAMES[i]!, m.all, units) })),
  };
}

export function registerYears(app: FastifyInstance, ctx: AppContext): void {
  app.get('/years', { preHandler: requireMember }, async (request, reply) => {
    const memberId = request.member!.id;
    await ctx.insights.fill(memberId);
    const [totals, { prefs }] = await Promise.all([
      ctx.insights.totals(memberId),
      memberLocale(ctx, request, memberId),
    ]);
    return renderPage(request, reply, 'years', {
      title: 'Your years',
      unitWords: prefs.units === 'imperial' ? 'miles' : 'kilometres',
      years: yearsOf(totals).map((y) => ({
        year: y.year,
        countries: y.countries.map(countryName).join(', '),
        ...totalsTable(y, prefs.units),
      })),
    });
  });

  zodRoutes(app).get(
    '/years/:year',
    { schema: { params: yearParams }, ...zodValidated, preHandler: requireMember },
    async (request, reply) => {
      const memberId = request.member!.id;
      const year = request.validationError ? undefined : request.params.year;
      if (year !== undefined) await ctx.insights.fill(memberId);
      const [totals, { prefs }] = await Promise.all([
        year === undefined ? [] : ctx.insights.totals(memberId),
        memberLocale(ctx, request, memberId),
      ]);
      const detail = year === undefined ? undefined : yearDetail(totals, year);
      const { units } = prefs;
      if (!detail)
        return sendMessagePage(request, reply, {
          status: 404,
          title: 'No such year',
          what: 'Nothing is stored for this year.',
          actions: [{ href: '/years', label: 'Back to your years' }],
        });
      return renderPage(request, reply, 'year', {
        title: String(detail.year),
        year: detail.year,
        countries: detail.countries.map(countryName).join(', '),
        ...totalsTable(detail, units),
        charts: monthCharts(detail.months, units),
        busiest: detail.busiest.map((d) => ({
          href: `/day/${isoDay(d.date)}`,
          day: dayWords(d.date),
          steps: formatCount(d.steps),
          distance: formatDistance(d.distance, units),
        })),
        longest: detail.longest.map((m) => ({
          href: `/day/${isoDay(m.date)}`,
          day: dayWords(m.date),
          activity: m.activity,
          distance: formatDistance(m.distance, units),
          duration: formatDuration(m.duration),
        })),
      });
    },
  );
}
