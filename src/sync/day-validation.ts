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

export type DayCheck =
  | { ok: true; date: string; lastUpdate?: string }
  /** `date`: the entry's own yyyyMMdd date, when it has one (the report names a refused day by it). */
  | { ok: false; reason: string; date?: string };

const refused = (reason: string, value: unknown): DayCheck => {
  const date = (value as { date?: unknown } | null)?.date;
  return typeof date === 'string' && /^\d{8}$/.test(date)
    ? { ok: false, reason, date }
    : { ok: false, reason };
};

/** Checks one day's JSON text, the size limits of Moves data included (src/moves/day-limits.ts). */
export function checkDayText(text: string): DayCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const r = daySchema.safeParse(value);
  if (!r.success) return refused(r.error.issues.map((i) => i.message).join('; '), value);
  const tooLarge = mayBreakLimits(text) && dayLimitProblem(value, Buffer.byteLength(text));
  if (tooLarge) return refused(tooLarge, value);
  return r.data.lastUpdate === undefined
    ? { ok: true, date: r.data.date }
    : { ok: true, date: r.data.date, lastUpdate: r.data.lastUpdate };
}
