// Moves notifications name the span of the storyline that changed (`storylineUpdates[].startTime/endTime`). The
// stored weeks that span touches are marked stale, so the sync the notification queues fetches them again however
// far back they lie: an edit three years ago costs one request, not a scan of the history.
import { DateTime } from 'luxon';
import type { AppContext } from '../context.ts';
import { todayIn, weekOfDate, weekRange } from '../moves/weeks.ts';

export interface StorylineUpdate {
  startTime?: unknown;
  endTime?: unknown;
}

/** Moves existed from 2012 to 2018: a span longer than this is not an edit but a malformed notification. */
const MAX_SPAN_WEEKS = 400;

/** A Moves timestamp (`20121213T072747Z` or `20121212T234417-0200`) as an instant; null when malformed. */
function parseMovesInstant(value: unknown): DateTime | null {
  if (typeof value !== 'string' || !/^\d{8}T\d{6}(Z|[+-]\d{4})$/.test(value)) return null;
  const dt = DateTime.fromFormat(value.replace(/Z$/, '+0000'), "yyyyMMdd'T'HHmmssZZZ", { setZone: true });
  return dt.isValid ? dt : null;
}

/** The ISO weeks (dates in the member's zone) that the updates' spans touch. Pure. */
export function weeksOfUpdates(updates: StorylineUpdate[], zone: string): string[] {
  const weeks = new Set<string>();
  for (const u of updates) {
    const times = [parseMovesInstant(u.startTime), parseMovesInstant(u.endTime)].filter((t) => t !== null);
    if (times.length === 0) continue;
    const dates = times.map((t) => todayIn(zone, t.toMillis())).sort();
    const span = weekRange(weekOfDate(dates[0]!), weekOfDate(dates[dates.length - 1]!));
    if (span.length > MAX_SPAN_WEEKS) continue;
    for (const w of span) weeks.add(w);
  }
  return [...weeks].sort();
}

/** Marks the member's stored weeks that the notification names as stale; returns how many it named. */
export async function markNotifiedEdits(
  ctx: AppContext,
  memberId: number,
  zone: string,
  updates: StorylineUpdate[],
): Promise<number> {
  const weeks = weeksOfUpdates(updates, zone);
  await ctx.weeks.markStale(memberId, weeks);
  if (weeks.length)
    await ctx.syncState.recordEvent(
      memberId,
      'edits_notified',
      `Moves reported changes in ${weeks.length === 1 ? '1 week' : `${weeks.length} weeks`}`,
      {
        weeks,
      },
    );
  return weeks.length;
}
