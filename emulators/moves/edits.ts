// Per-user day edits (control `edit`): stored as tiny overrides {count, at} and replayed on the generated plan,
// so memory stays flat however many days exist.
import { groupOf } from './activity-catalog.ts';
import type { GenActivity, GenSegment } from './model.ts';

export interface DayEdit {
  /** how many times the day was edited */
  count: number;
  /** when the last edit happened (emulator clock, ms): the new lastUpdate of the changed segments */
  at: number;
}

const TRANSPORT_ROTATION = ['car', 'bus', 'train', 'tram'];
const SWAPS: Record<string, string> = {
  walking: 'running',
  running: 'walking',
  cycling: 'rollerblading',
  rollerblading: 'cycling',
};

function retype(a: GenActivity, count: number): void {
  let next: string;
  if (a.group === 'transport') {
    const i = TRANSPORT_ROTATION.indexOf(a.activity);
    next = TRANSPORT_ROTATION[(i + count) % TRANSPORT_ROTATION.length] ?? 'car';
    if (next === a.activity) next = TRANSPORT_ROTATION[(i + count + 1) % TRANSPORT_ROTATION.length] ?? 'car';
  } else {
    next = SWAPS[a.activity] ?? 'walking';
  }
  a.activity = next;
  const group = groupOf(next);
  if (group) a.group = group;
  else delete a.group;
  // Units follow the new activity: steps only for walking/running groups.
  if (group !== 'walking' && group !== 'running') delete a.steps;
  else if (a.steps === undefined && a.distance !== undefined) a.steps = Math.round(a.distance / 0.8);
  if (group === 'transport') delete a.calories;
  a.manual = true;
}

/**
 * Applies an edit to one home-zone day's own segments (mutates them): the user corrects the longest activity of
 * the first move (it becomes manual) and renames the first visited place other than home/work.
 */
export function applyEdit(segments: GenSegment[], edit: DayEdit): void {
  const move = segments.find((s) => s.type === 'move' && s.activities.length > 0);
  if (move) {
    const longest = move.activities.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a));
    retype(longest, edit.count);
    move.lastUpdate = Math.max(move.lastUpdate, edit.at);
  }
  const visit = segments.find(
    (s) => s.type === 'place' && s.place && s.place.type !== 'home' && s.place.type !== 'work',
  );
  if (visit?.place) {
    const { facebookPlaceId: _f, foursquareId: _q, foursquareCategoryIds: _c, ...rest } = visit.place;
    visit.place = { ...rest, name: `Renamed place ${edit.count}`, type: 'user' };
    visit.lastUpdate = Math.max(visit.lastUpdate, edit.at);
  }
}
