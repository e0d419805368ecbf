// ISO week arithmetic in a member's Moves time zone. Week ids are zero-padded ("2016-W05") so they sort as text
// in date order; Moves dates are "yyyyMMdd" calendar dates (already local to the member).
import { DateTime } from 'luxon';

const WEEK_ID = /^(\d{4})-W(\d{2})$/;
const MOVES_DATE = /^\d{8}$/;

export function isWeekId(s: string): boolean {
  return WEEK_ID.test(s);
}

function formatWeek(dt: DateTime): string {
  return `${String(dt.weekYear).padStart(4, '0')}-W${String(dt.weekNumber).padStart(2, '0')}`;
}

function parseMovesDate(date: string): DateTime {
  if (!MOVES_DATE.test(date)) throw new Error(`not a Moves date (yyyyMMdd): ${date}`);
  const dt = DateTime.fromFormat(date, 'yyyyMMdd', { zone: 'UTC' });
  if (!dt.isValid) throw new Error(`not a valid calendar date: ${date}`);
  return dt;
}

/** Monday of an ISO week as a calendar date (UTC-based, zone-free). */
function weekMonday(week: string): DateTime {
  const m = WEEK_ID.exec(week);
  if (!m) throw new Error(`not an ISO week id (yyyy-Www): ${week}`);
  const dt = DateTime.fromObject(
    { weekYear: Number(m[1]), weekNumber: Number(m[2]), weekday: 1 },
    { zone: 'UTC' },
  );
  if (!dt.isValid || formatWeek(dt) !== week) throw new Error(`no such ISO week: ${week}`);
  return dt;
}

/** The ISO week a calendar date (yyyyMMdd) belongs to. */
export function weekOfDate(date: string): string {
  return formatWeek(parseMovesDate(date));
}

/** The member's current ISO week: "now" seen in their Moves time zone. */
export function currentWeek(now: Date, zone: string): string {
  return formatWeek(localNow(now, zone));
}

/** Today's calendar date (yyyyMMdd) in the member's zone. */
export function today(now: Date, zone: string): string {
  return localNow(now, zone).toFormat('yyyyMMdd');
}

function localNow(now: Date, zone: string): DateTime {
  const dt = DateTime.fromJSDate(now, { zone });
  // An unknown zone must not silently become UTC-less garbage: fall back to UTC explicitly.
  return dt.isValid ? dt : DateTime.fromJSDate(now, { zone: 'UTC' });
}

/** The seven calendar dates (yyyyMMdd) of an ISO week, Monday first. */
export function datesOfWeek(week: string): string[] {
  const monday = weekMonday(week);
  return Array.from({ length: 7 }, (_, i) => monday.plus({ days: i }).toFormat('yyyyMMdd'));
}

export function nextWeek(week: string): string {
  return formatWeek(weekMonday(week).plus({ weeks: 1 }));
}

/** Every week id from `from` to `to`, both included (empty when from > to). */
export function weeksBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let w = from; w <= to; w = nextWeek(w)) out.push(w);
  return out;
}

/**
 * A week is complete when its last day is over in the member's zone: its Sunday is before today there.
 * Moves only finalises a day after local midnight, so the current week is never complete.
 */
export function isWeekComplete(week: string, now: Date, zone: string): boolean {
  const sunday = datesOfWeek(week)[6]!;
  return sunday < today(now, zone);
}

/** Calendar date arithmetic on yyyyMMdd strings. */
export function addDays(date: string, days: number): string {
  return parseMovesDate(date).plus({ days }).toFormat('yyyyMMdd');
}

/** yyyyMMdd → yyyy-MM-dd (for file metadata). */
export function isoDate(date: string): string {
  return parseMovesDate(date).toFormat('yyyy-MM-dd');
}

export function isValidZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}
