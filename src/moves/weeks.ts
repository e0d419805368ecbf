// ISO weeks (Monday–Sunday, zero-padded ids like 2016-W05) as Moves uses them, in the member's Moves time zone:
// Moves cuts days at midnight of the user's *current* zone, so "today" and "complete" must use that zone too.
import { DateTime } from 'luxon';

export const WEEK_ID = /^(\d{4})-W(\d{2})$/;
export const MOVES_DATE = /^\d{8}$/;

function zoned(now: Date | number, zone: string): DateTime {
  const dt = DateTime.fromMillis(typeof now === 'number' ? now : now.getTime(), { zone });
  if (!dt.isValid) throw new RangeError(`unknown time zone "${zone}"`);
  return dt;
}

/** Parses a Moves date (yyyyMMdd, or yyyy-MM-dd) as a calendar date. Throws RangeError when invalid. */
export function parseMovesDate(date: string): DateTime {
  const dt = MOVES_DATE.test(date)
    ? DateTime.fromFormat(date, 'yyyyMMdd', { zone: 'UTC' })
    : DateTime.fromISO(date, { zone: 'UTC' });
  if (!dt.isValid || !/^\d{4}-?\d{2}-?\d{2}$/.test(date)) throw new RangeError(`not a valid date: "${date}"`);
  return dt.startOf('day');
}

export function formatMovesDate(dt: DateTime): string {
  return dt.toFormat('yyyyMMdd');
}

/** Week ids have a four-digit year: a date in year 0 (00000101 is in week -1-W52) has none, and is refused. */
function weekId(dt: DateTime): string {
  if (dt.weekYear < 1 || dt.weekYear > 9999) throw new RangeError(`no ISO week of year ${dt.weekYear}`);
  return `${String(dt.weekYear).padStart(4, '0')}-W${String(dt.weekNumber).padStart(2, '0')}`;
}

/**
 * Weeks already worked out: a sync asks about each of its weeks several times (valid? which dates? complete?),
 * and luxon's week arithmetic was a few percent of a backfill's time. Bounded: cleared when it fills.
 */
const MEMO_LIMIT = 10_000;
const mondays = new Map<string, DateTime>();
const weekDates = new Map<string, readonly string[]>();

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

/** The Monday of an ISO week id. Throws RangeError for malformed ids and for W53 in 52-week years. */
export function weekStart(week: string): DateTime {
  return mondays.get(week) ?? remember(mondays, week, computeWeekStart(week));
}

function computeWeekStart(week: string): DateTime {
  const m = WEEK_ID.exec(week);
  if (!m) throw new RangeError(`not an ISO week id (yyyy-Www): "${week}"`);
  const dt = DateTime.fromObject(
    { weekYear: Number(m[1]), weekNumber: Number(m[2]), weekday: 1 },
    { zone: 'UTC' },
  );
  if (!dt.isValid || weekId(dt) !== week) throw new RangeError(`no such ISO week: "${week}"`);
  return dt;
}

export function isValidWeek(week: string): boolean {
  try {
    weekStart(week);
    return true;
  } catch {
    return false;
  }
}

/**
 * The ISO week of a date. A yyyyMMdd string is a calendar date (zone not needed); a Date is an instant, placed
 * in `zone` first.
 */
export function weekOf(date: string | Date, zone = 'UTC'): string {
  return weekId(typeof date === 'string' ? parseMovesDate(date) : zoned(date, zone));
}

/** Today's date (yyyyMMdd) in the zone. */
export function todayIn(zone: string, now: Date | number): string {
  return formatMovesDate(zoned(now, zone));
}

/** The ISO week that contains "now" in the member's zone. */
export function currentWeek(zone: string, now: Date | number): string {
  return weekId(zoned(now, zone));
}

/** The seven dates (yyyyMMdd, Monday first) of a week. */
export function datesOfWeek(week: string): string[] {
  const known = weekDates.get(week);
  if (known) return [...known];
  const monday = weekStart(week);
  const dates = Array.from({ length: 7 }, (_, i) => formatMovesDate(monday.plus({ days: i })));
  return [...remember(weekDates, week, dates)];
}

/** True when the whole week (through Sunday 24:00) lies in the past in the member's zone. */
export function weekIsComplete(week: string, zone: string, now: Date | number): boolean {
  const sunday = datesOfWeek(week)[6]!;
  return todayIn(zone, now) > sunday;
}

/** The ISO week of a calendar date (yyyyMMdd). */
export function weekOfDate(date: string): string {
  return weekOf(date);
}

/** Every week id from `from` to `to` (week ids), both included; empty when from > to. */
export function weekRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let w = weekStart(from); weekId(w) <= to; w = w.plus({ weeks: 1 })) out.push(weekId(w));
  return out;
}

/** The Sunday (yyyyMMdd) that ends a week. */
export function weekSunday(week: string): string {
  return datesOfWeek(week)[6]!;
}

/** Calendar date arithmetic on yyyyMMdd strings. */
export function addDays(date: string, days: number): string {
  return formatMovesDate(parseMovesDate(date).plus({ days }));
}

/** yyyyMMdd → yyyy-MM-dd (file metadata). */
export function isoDate(date: string): string {
  return parseMovesDate(date).toFormat('yyyy-MM-dd');
}

/** True for an IANA zone luxon knows. */
export function isValidZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}
