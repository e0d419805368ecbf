// Calendar dates as day ordinals (days since 1970-01-01) and the zone arithmetic around them.
// Ordinals keep ranges, weeks and months simple integer arithmetic; luxon only resolves zones.
import { DateTime, IANAZone } from 'luxon';

const DAY_MS = 86_400_000;

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

export function ordinalFromYmd(year: number, month: number, day: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || year < 1970 || year > 9999) return null;
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return Math.round(ms / DAY_MS);
}

/** Parses `yyyyMMdd` or `yyyy-MM-dd`; null when malformed or not a real date. */
export function parseDate(text: string): number | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!m || (text.length !== 8 && text.length !== 10)) return null;
  return ordinalFromYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function ymd(ordinal: number): { year: number; month: number; day: number } {
  const d = new Date(ordinal * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** `yyyyMMdd`, the Moves date format. */
export function formatDate(ordinal: number): string {
  return new Date(ordinal * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(ordinal: number): number {
  return ((((ordinal + 3) % 7) + 7) % 7) + 1;
}

const dayStartCache = new Map<string, number>();

/** The instant (ms) at which the calendar day starts in the zone. */
export function dayStartMs(ordinal: number, zone: string): number {
  const key = `${zone}|${ordinal}`;
  const hit = dayStartCache.get(key);
  if (hit !== undefined) return hit;
  const { year, month, day } = ymd(ordinal);
  const ms = DateTime.fromObject({ year, month, day }, { zone }).toMillis();
  if (dayStartCache.size > 20_000) dayStartCache.clear();
  dayStartCache.set(key, ms);
  return ms;
}

/** The calendar day (ordinal) that contains the instant in the zone. */
export function ordinalAt(ms: number, zone: string): number {
  const offsetMin = zoneOffsetMinutes(zone, ms);
  return Math.floor((ms + offsetMin * 60_000) / DAY_MS);
}

const offsetCache = new Map<string, number>();

/**
 * Offset east of UTC in minutes. Cached per zone and 15-minute bucket: every real DST switch falls on a quarter
 * hour, and track points need thousands of lookups per response.
 */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  const bucket = Math.floor(ms / 900_000);
  const key = `${zone}|${bucket}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const offset = IANAZone.create(zone).offset(bucket * 900_000);
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** ISO week (Monday based) of an ordinal: the ordinal of its Monday. */
export function weekStart(ordinal: number): number {
  return ordinal - (isoWeekday(ordinal) - 1);
}

/** Ordinal of the Monday of ISO week `week` of `weekYear`; null when that week does not exist. */
export function isoWeekMonday(weekYear: number, week: number): number | null {
  if (week < 1 || week > 53) return null;
  const dt = DateTime.fromObject({ weekYear, weekNumber: week, weekday: 1 }, { zone: 'UTC' });
  if (!dt.isValid || dt.weekYear !== weekYear || dt.weekNumber !== week) return null;
  return Math.round(dt.toMillis() / DAY_MS);
}

export function monthStart(ordinal: number): number {
  const { year, month } = ymd(ordinal);
  return Math.round(Date.UTC(year, month - 1, 1) / DAY_MS);
}

export function monthEnd(ordinal: number): number {
  const { year, month } = ymd(ordinal);
  return Math.round(Date.UTC(year, month, 1) / DAY_MS) - 1;
}
