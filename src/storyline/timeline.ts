// A day's timeline as the day view shows it: places with arrival and departure, moves with their activities,
// each with duration, distance, steps and calories, in the member's Moves time zone. Pure.
import { DateTime } from 'luxon';
import {
  activityGroup,
  activityLabel,
  parseMovesTime,
  placeName,
  type ActivityGroup,
  type StoredActivity,
  type StoredDay,
} from './day.ts';
import {
  DEFAULT_PREFS,
  formatClock,
  formatCount,
  formatDistance,
  formatDuration,
  type LocalePrefs,
} from './units.ts';

export interface ActivityLine {
  label: string;
  group: ActivityGroup;
  /** "09:35 to 09:37", or '' when Moves gave no times. */
  span: string;
  /** "2 min, 1.0 km, 70 steps, 12 kcal": only what Moves recorded. */
  facts: string;
}

export type TimelineItem =
  | {
      kind: 'place';
      name: string;
      named: boolean;
      arrival: string;
      departure: string;
      activities: ActivityLine[];
    }
  | { kind: 'move'; span: string; activities: ActivityLine[] };

export interface DayTotals {
  steps: number;
  /** e.g. "Walking: 4.7 km in 1 h 23 min". */
  groups: string[];
}

export interface DayTimeline {
  items: TimelineItem[];
  totals: DayTotals;
}

/** A clock reading in the zone; the date is added when it is not the day shown (a night's stay, say). */
function clock(t: string | undefined, day: string, zone: string | undefined, prefs: LocalePrefs): string {
  const dt = parseMovesTime(t);
  if (!dt) return '';
  const local = zone ? dt.setZone(zone) : dt;
  const time = formatClock(local, prefs.clock);
  return local.toFormat('yyyyMMdd') === day ? time : `${local.toFormat('d LLL')}, ${time}`;
}

/** A clock reading where it was recorded, with its offset: "09:24 UTC+01:00". */
function clockWithOffset(dt: DateTime, day: string, prefs: LocalePrefs): string {
  const time = `${formatClock(dt, prefs.clock)} UTC${dt.toFormat('ZZ')}`;
  return dt.toFormat('yyyyMMdd') === day ? time : `${dt.toFormat('d LLL')}, ${time}`;
}

/**
 * Both ends of a stay or a move. Ends recorded at different UTC offsets (a flight, a drive across a zone border)
 * are each shown in their own local time with their offset: one zone would show "09:24 to 11:25" for 8 hours.
 */
function ends(
  start: string | undefined,
  end: string | undefined,
  day: string,
  zone: string | undefined,
  prefs: LocalePrefs,
) {
  const a = parseMovesTime(start);
  const b = parseMovesTime(end);
  if (a && b && a.offset !== b.offset)
    return [clockWithOffset(a, day, prefs), clockWithOffset(b, day, prefs)] as const;
  return [clock(start, day, zone, prefs), clock(end, day, zone, prefs)] as const;
}

function span(
  start: string | undefined,
  end: string | undefined,
  day: string,
  zone: string | undefined,
  prefs: LocalePrefs,
) {
  const [a, b] = ends(start, end, day, zone, prefs);
  return a && b ? `${a} to ${b}` : a || b;
}

/** Names are kept whole in the stored and published days; the timeline shows at most this many characters. */
export const SHOWN_NAME_CHARS = 200;

/** The name cut to SHOWN_NAME_CHARS characters (never inside a surrogate pair), with "…" when it was cut. */
export function shortened(name: string): string {
  if (name.length <= SHOWN_NAME_CHARS) return name;
  const chars = Array.from(name);
  return chars.length <= SHOWN_NAME_CHARS ? name : `${chars.slice(0, SHOWN_NAME_CHARS).join('')}…`;
}

function activityLine(
  a: StoredActivity,
  day: string,
  zone: string | undefined,
  prefs: LocalePrefs,
): ActivityLine {
  const facts: string[] = [];
  if (a.duration !== undefined) facts.push(formatDuration(a.duration));
  if (a.distance !== undefined) facts.push(formatDistance(a.distance, prefs.units));
  if (a.steps !== undefined) facts.push(`${formatCount(a.steps)} steps`);
  if (a.calories !== undefined) facts.push(`${formatCount(a.calories)} kcal`);
  return {
    label: shortened(activityLabel(a)),
    group: activityGroup(a),
    span: span(a.startTime, a.endTime, day, zone, prefs),
    facts: facts.join(', '),
  };
}

function totals(day: StoredDay, prefs: LocalePrefs): DayTotals {
  let steps = 0;
  const byGroup = new Map<string, { distance: number; duration: number }>();
  for (const s of day.summary ?? []) {
    steps += s.steps ?? 0;
    const label = activityLabel(s);
    const g = byGroup.get(label) ?? { distance: 0, duration: 0 };
    g.distance += s.distance ?? 0;
    g.duration += s.duration ?? 0;
    byGroup.set(label, g);
  }
  const groups = [...byGroup].map(([label, g]) => {
    const name = label.charAt(0).toUpperCase() + label.slice(1);
    const parts = [
      g.distance ? formatDistance(g.distance, prefs.units) : '',
      g.duration ? formatDuration(g.duration) : '',
    ];
    return `${name}: ${parts.filter(Boolean).join(' in ') || 'recorded'}`;
  });
  return { steps, groups };
}

/**
 * The day's timeline; `zone` is the member's Moves time zone (undefined: the offsets Moves recorded), `prefs`
 * their units and clock format.
 */
export function buildTimeline(
  day: StoredDay,
  zone: string | undefined,
  prefs: LocalePrefs = DEFAULT_PREFS,
): DayTimeline {
  const z = zone && DateTime.local().setZone(zone).isValid ? zone : undefined;
  const items: TimelineItem[] = (day.segments ?? []).map((seg) => {
    const activities = (seg.activities ?? []).map((a) => activityLine(a, day.date, z, prefs));
    if (seg.type === 'place') {
      const name = placeName(seg.place);
      const [arrival, departure] = ends(seg.startTime, seg.endTime, day.date, z, prefs);
      return {
        kind: 'place',
        name: name === undefined ? 'Unnamed place' : shortened(name),
        named: name !== undefined,
        arrival,
        departure,
        activities,
      };
    }
    return { kind: 'move', span: span(seg.startTime, seg.endTime, day.date, z, prefs), activities };
  });
  return { items, totals: totals(day, prefs) };
}
