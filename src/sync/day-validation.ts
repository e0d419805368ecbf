// What a stored day must look like. Moves responses are validated by the Moves client; files we did not fetch
// ourselves (the original app's Open Humans file, export archives) are checked here day by day.
import { z } from 'zod';
import { dayLimitProblem, mayBreakLimits } from '../moves/day-limits.ts';
import { weekOfDate } from '../moves/weeks.ts';

const movesDate = z.string().regex(/^\d{8}$/, 'date must be yyyyMMdd');

export const daySchema = z
  .object({
    date: movesDate.refine((d) => {
      try {
        weekOfDate(d);
        return true;
      } catch {
        return false;
      }
    }, 'date is not a calendar date'),
    summary: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
    segments: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
    lastUpdate: z.string().optional(),
  })
  .loose();

export type DayCheck = { ok: true; date: string; lastUpdate?: string } | { ok: false; reason: string };

/** Checks one day's JSON text, the size limits of Moves data included (src/moves/day-limits.ts). */
export function checkDayText(text: string): DayCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const r = daySchema.safeParse(value);
  if (!r.success) return { ok: false, reason: r.error.issues.map((i) => i.message).join('; ') };
  const tooLarge = mayBreakLimits(text) && dayLimitProblem(value, Buffer.byteLength(text));
  if (tooLarge) return { ok: false, reason: tooLarge };
  return r.data.lastUpdate === undefined
    ? { ok: true, date: r.data.date }
    : { ok: true, date: r.data.date, lastUpdate: r.data.lastUpdate };
}
