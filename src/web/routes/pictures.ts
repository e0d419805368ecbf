// Pictures of the member's data: the map of the last 7 days (JSON for the map script) and the calendar of the
// whole history (server-rendered; step totals summed inside the database, so track points never leave it).
import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { storedWeeks } from '../../db/schema.ts';
import { storedRange } from '../../sync/week-store.ts';
import { buildCalendar, type DayTotal } from '../calendar.ts';
import { isoDay, shiftDay } from '../day-dates.ts';
import { buildMapData } from '../map-data.ts';
import { requireMember } from '../session.ts';
import { renderPage } from '../views.ts';

const STEPS_PER_DAY_SQL = `
select d->>'date' as date,
  coalesce((select sum(case when jsonb_typeof(s->'steps') = 'number' then (s->>'steps')::numeric else 0 end)
            from jsonb_array_elements(case when jsonb_typeof(d->'summary') = 'array' then d->'summary' else '[]'::jsonb end) s), 0)::bigint as steps,
  ((jsonb_typeof(d->'segments') = 'array' and jsonb_array_length(d->'segments') > 0)
    or (jsonb_typeof(d->'summary') = 'array' and jsonb_array_length(d->'summary') > 0)) as has_data
from stored_weeks w, jsonb_array_elements(case when jsonb_typeof(w.days_json::jsonb) = 'array' then w.days_json::jsonb else '[]'::jsonb end) d
where w.member_id = $1 and jsonb_typeof(d) = 'object' and d->>'date' ~ '^\\d{8}$'`;

export async function stepsPerDay(ctx: AppContext, memberId: number): Promise<DayTotal[]> {
  const { rows } = await ctx.database.sql.query<{ date: string; steps: string | number; has_data: boolean }>(
    STEPS_PER_DAY_SQL,
    [memberId],
  );
  return rows.map((r) => ({ date: r.date, steps: Number(r.steps), hasData: r.has_data }));
}

const maxDay = (a: string, b: string) => (a > b ? a : b);

export function registerPictures(app: FastifyInstance, ctx: AppContext): void {
  app.get('/dashboard/map.json', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!request.member) return reply.code(401).send({ error: 'not signed in' });
    // The newest two ISO weeks always hold the last 7 days that have data (or fewer, early on).
    const weeks = await ctx.db
      .select({ daysJson: storedWeeks.daysJson })
      .from(storedWeeks)
      .where(eq(storedWeeks.memberId, request.member.id))
      .orderBy(desc(storedWeeks.week))
      .limit(3);
    const days: unknown[] = [];
    for (const w of weeks) {
      try {
        const parsed: unknown = JSON.parse(w.daysJson);
        if (Array.isArray(parsed)) days.push(...(parsed as unknown[]));
      } catch {
        // a malformed stored week is skipped on the map (the sync validates before storing)
      }
    }
    return reply.send(buildMapData(days, 7));
  });

  app.get('/history', { preHandler: requireMember }, async (request, reply) => {
    const [totals, stored] = await Promise.all([
      stepsPerDay(ctx, request.member!.id),
      storedRange(ctx, request.member!.id),
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
