// The day summary (§4.2): activities aggregated per activity name, in order of first occurrence; a key is
// present only when some aggregated activity carried it.
import type { SummaryItem } from './model.ts';

/** Anything activity-shaped: the day model's activities or parsed API JSON. */
export type SummarySource = Pick<
  SummaryItem,
  'activity' | 'group' | 'duration' | 'distance' | 'steps' | 'calories'
>;

export function computeSummary(activities: Iterable<SummarySource>): SummaryItem[] {
  const byName = new Map<string, SummaryItem>();
  for (const a of activities) {
    let acc = byName.get(a.activity);
    if (!acc) {
      acc = { activity: a.activity, duration: 0 };
      byName.set(a.activity, acc);
    }
    if (a.group !== undefined) acc.group = a.group;
    acc.duration += a.duration;
    if (a.distance !== undefined) acc.distance = (acc.distance ?? 0) + a.distance;
    if (a.steps !== undefined) acc.steps = (acc.steps ?? 0) + a.steps;
    if (a.calories !== undefined) acc.calories = (acc.calories ?? 0) + a.calories;
  }
  // Rebuild each item so its keys come out in the documented order.
  return [...byName.values()].map((acc) => {
    const item = { activity: acc.activity } as SummaryItem;
    if (acc.group !== undefined) item.group = acc.group;
    item.duration = acc.duration;
    if (acc.distance !== undefined) item.distance = acc.distance;
    if (acc.steps !== undefined) item.steps = acc.steps;
    if (acc.calories !== undefined) item.calories = acc.calories;
    return item;
  });
}
