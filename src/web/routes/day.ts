// The day view: one calendar day's timeline in the member's Moves time zone, its map, the downloads of the day,
// and links to the days before and after. Opened from the history calendar.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { dayHasData, readDay } from '../../storyline/day.ts';
import { buildTimeline } from '../../storyline/timeline.ts';
import { memberLocale } from '../locale-prefs.ts';
import { dayInWords, isoDay, isoDayText, shiftDay, storedDate } from '../day-dates.ts';
import { sendMessagePage } from '../errors.ts';
import { buildMapData } from '../map-data.ts';
import { mapTilesFor } from '../map-tiles.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';
import { zodChecked, zodRoutes } from '../zod-routes.ts';

// A date not in the yyyy-MM-dd form is a 400 (the app's error page); one not in the calendar a 404, below.
const dayParams = z.object({ date: isoDayText });

/** The stored day object for a date (yyyyMMdd), as stored (undefined when no week holds it). */
async function storedDay(ctx: AppContext, memberId: number, date: string): Promise<unknown> {
  for await (const day of ctx.weeks.streamDays(memberId, date, date)) return day;
  return undefined;
}

export function registerDay(app: FastifyInstance, ctx: AppContext): void {
  zodRoutes(app).get(
    '/day/:date',
    { schema: { params: dayParams }, ...zodChecked, preHandler: requireMember },
    async (request, reply) => {
      const member = request.member!;
      const date = storedDate(request.params.date);
      if (!date)
        return sendMessagePage(request, reply, {
          status: 404,
          title: 'No such date',
          what: `${request.params.date} is not a date in the calendar.`,
          actions: [{ href: '/history', label: 'Back to the calendar' }],
        });
      const [raw, range, account, locale] = await Promise.all([
        storedDay(ctx, member.id, date),
        ctx.weeks.range(member.id),
        ctx.accounts.movesAccount(member.id),
        memberLocale(ctx, request, member.id),
      ]);
      // A day that is not stored may have been refused by an import: the page says so and why.
      const refused = raw === undefined ? await ctx.imports.refusedDay(member.id, date) : undefined;
      const day = raw === undefined ? undefined : readDay(raw);
      const hasData = !!day && dayHasData(day);
      const zone = account?.timeZone ?? undefined;
      const prev = shiftDay(date, -1);
      const next = shiftDay(date, 1);
      return renderPage(request, reply, 'day', {
        title: dayInWords(date),
        date: isoDay(date),
        stored: raw !== undefined,
        refused,
        hasData,
        zone,
        timeline: hasData ? buildTimeline(day, zone, locale.prefs) : undefined,
        prev: range.firstDay && prev >= range.firstDay ? isoDay(prev) : undefined,
        next: range.lastDay && next <= range.lastDay ? isoDay(next) : undefined,
        tiles: hasData ? mapTilesFor(ctx, member, reply) : undefined,
      });
    },
  );

  zodRoutes(app).get(
    '/day/:date/map.json',
    { schema: { params: dayParams }, ...zodChecked },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      if (!request.member) return reply.code(401).send({ error: 'not signed in' });
      const date = storedDate(request.params.date);
      const raw = date ? await storedDay(ctx, request.member.id, date) : undefined;
      return reply.send(buildMapData(raw === undefined ? [] : [raw], 1));
    },
  );
}
