// Period selectors of the day-based endpoints (§3.1) → an inclusive range of day ordinals, clipped to
// [firstDate, today], or a 400 message.
import { isoWeekMonday, monthEnd, monthStart, ordinalFromYmd, parseDate, weekStart } from './dates.ts';

export interface PeriodQuery {
  /** the path segment after /daily/, if any */
  period?: string;
  from?: string;
  to?: string;
  pastDays?: string;
}

export interface PeriodLimits {
  firstOrdinal: number;
  todayOrdinal: number;
  /** 31, or 7 for storyline with track points */
  maxDays: number;
  /** storyline with trackPoints=true: months are refused outright */
  trackPoints: boolean;
  /** what a bare /daily means [I]: today, or a 400 */
  bareDaily: 'today' | 'reject';
}

export type PeriodResult = { ok: true; first: number; last: number } | { ok: false; message: string };

const fail = (message: string): PeriodResult => ({ ok: false, message });

function clip(first: number, last: number, l: PeriodLimits): PeriodResult {
  // Days before firstDate and after today are left out of a week or month (recorded for weeks [C]).
  return { ok: true, first: Math.max(first, l.firstOrdinal), last: Math.min(last, l.todayOrdinal) };
}

export function resolvePeriod(q: PeriodQuery, l: PeriodLimits): PeriodResult {
  const selectors = [
    q.period !== undefined,
    q.from !== undefined || q.to !== undefined,
    q.pastDays !== undefined,
  ];
  const count = selectors.filter(Boolean).length;
  if (count > 1) return fail('Use only one of a path period, from/to and pastDays');
  if (q.period !== undefined) return pathPeriod(q.period, l);
  if (q.from !== undefined || q.to !== undefined) {
    if (q.from === undefined || q.to === undefined) return fail('Both from and to are required');
    const from = parseDate(q.from);
    const to = parseDate(q.to);
    if (from === null || to === null) return fail('Invalid date format; use yyyyMMdd or yyyy-MM-dd');
    if (from > to) return fail('from must not be after to');
    if (from < l.firstOrdinal || to > l.todayOrdinal)
      return fail('Date range must be between firstDate and today');
    if (to - from + 1 > l.maxDays) return fail(`Date range exceeds the maximum of ${l.maxDays} days`);
    return { ok: true, first: from, last: to };
  }
  if (q.pastDays !== undefined) {
    if (!/^\d{1,4}$/.test(q.pastDays)) return fail('pastDays must be a positive integer');
    const n = Number(q.pastDays);
    if (n < 1) return fail('pastDays must be a positive integer');
    if (n > l.maxDays) return fail(`pastDays exceeds the maximum of ${l.maxDays} days`);
    return clip(l.todayOrdinal - n + 1, l.todayOrdinal, l);
  }
  if (l.bareDaily === 'reject') return fail('A period is required: a date, week, month, from/to or pastDays');
  return { ok: true, first: l.todayOrdinal, last: l.todayOrdinal };
}

function pathPeriod(p: string, l: PeriodLimits): PeriodResult {
  // One-digit weeks (2016-W1) as the original app sent them: real Moves answered them like 2016-W01.
  const week = /^(\d{4})-W(\d{1,2})$/.exec(p);
  if (week) {
    const monday = isoWeekMonday(Number(week[1]), Number(week[2]));
    if (monday === null) return fail('Invalid week');
    if (monday < weekStart(l.firstOrdinal) || monday > weekStart(l.todayOrdinal)) {
      return fail('Week must be between the week of firstDate and the current week');
    }
    return clip(monday, monday + 6, l);
  }
  const month = /^(\d{4})-?(\d{2})$/.exec(p);
  if (month && (p.length === 6 || p.length === 7)) {
    const start = ordinalFromYmd(Number(month[1]), Number(month[2]), 1);
    if (start === null) return fail('Invalid month');
    if (l.trackPoints)
      return fail('Track points are limited to 7 days; a month cannot be requested with trackPoints');
    if (start < monthStart(l.firstOrdinal) || start > monthStart(l.todayOrdinal)) {
      return fail('Month must be between the month of firstDate and the current month');
    }
    return clip(start, monthEnd(start), l);
  }
  const day = parseDate(p);
  if (day === null) return fail('Invalid date format; use yyyyMMdd, yyyy-MM-dd, yyyy-Www, yyyyMM or yyyy-MM');
  if (day < l.firstOrdinal || day > l.todayOrdinal) return fail('Date must be between firstDate and today');
  return { ok: true, first: day, last: day };
}
