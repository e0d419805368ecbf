// Each day's step total, as the history calendar shows it: kept beside the stored week, so the calendar never
// reads (or decompresses) a week's track points.

/** One day's step total and whether it has any data: [yyyyMMdd, steps, hasData]. */
export type DayStepsEntry = [date: string, steps: number, hasData: boolean];

const MOVES_DATE = /^\d{8}$/;

const nonEmptyArray = (v: unknown) => Array.isArray(v) && v.length > 0;

/** Rounds as PostgreSQL casts numeric to bigint: halves away from zero. */
const roundHalfAway = (n: number) => Math.sign(n) * Math.round(Math.abs(n));

/**
 * [date, steps, hasData] for each day object of a week's array, in its order. Steps are the sum of the numeric
 * `steps` of the day's summary entries; a day has data when it has segments or summary entries. Anything that is
 * not a day object with a yyyyMMdd date is left out.
 */
export function dayStepTotals(days: unknown): DayStepsEntry[] {
  if (!Array.isArray(days)) return [];
  const out: DayStepsEntry[] = [];
  for (const day of days as unknown[]) {
    if (typeof day !== 'object' || day === null || Array.isArray(day)) continue;
    const { date, summary, segments } = day as { date?: unknown; summary?: unknown; segments?: unknown };
    if (typeof date !== 'string' || !MOVES_DATE.test(date)) continue;
    let steps = 0;
    if (Array.isArray(summary))
      for (const entry of summary as unknown[]) {
        const s = (entry as { steps?: unknown } | null)?.steps;
        // 1e400 reads as Infinity: a step count no day has, ignored like a string would be.
        if (typeof s === 'number' && Number.isFinite(s)) steps += s;
      }
    out.push([date, roundHalfAway(steps), nonEmptyArray(segments) || nonEmptyArray(summary)]);
  }
  return out;
}

/** The same for a week's raw JSON text; text that does not parse has no days. */
export function dayStepTotalsOfText(daysJson: string): DayStepsEntry[] {
  try {
    return dayStepTotals(JSON.parse(daysJson));
  } catch {
    return [];
  }
}
