// Dates in member-facing addresses (/day/2016-06-17, ?from=2016-06-01&to=2016-06-30) and their words.
import { DateTime } from 'luxon';
import { z } from 'zod';

/** The route schema for a yyyy-MM-dd date; whether it exists is checked by `storedDate`. */
export const isoDayText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** yyyy-MM-dd → the stored form yyyyMMdd, or undefined for a date that does not exist (2016-02-30). */
export function storedDate(isoDay: string): string | undefined {
  const dt = DateTime.fromISO(isoDay, { zone: 'UTC' });
  return dt.isValid && /^\d{4}-\d{2}-\d{2}$/.test(isoDay) ? dt.toFormat('yyyyMMdd') : undefined;
}

export { isoDay } from '../storyline/day.ts';

/** yyyyMMdd → "Saturday, 17 June 2016". */
export function dayInWords(date: string): string {
  return DateTime.fromFormat(date, 'yyyyMMdd', { zone: 'UTC' }).toFormat('cccc, d LLLL yyyy');
}

/** yyyyMMdd plus or minus days. */
export function shiftDay(date: string, days: number): string {
  return DateTime.fromFormat(date, 'yyyyMMdd', { zone: 'UTC' }).plus({ days }).toFormat('yyyyMMdd');
}
