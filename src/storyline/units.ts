// Units and locale as a member reads them: metric or imperial, the first day of the week and the clock format,
// worked out per setting from what the member chose, else their Moves profile's `localization`, else their
// browser's Accept-Language, else metric, Monday and 24 hours; and the numbers formatted with Intl ("6,771 km",
// "4,207 mi"). Pure: every page that shows distances, durations, counts, dates or times (the dashboard, the day
// view, the history pages and their charts) writes them through this one module.
import type { DateTime } from 'luxon';
import { parseMovesTime } from './day.ts';

export type UnitSystem = 'metric' | 'imperial';
export type ClockFormat = '24h' | '12h';
/** The ISO weekday a week starts on: 1 = Monday, 6 = Saturday, 7 = Sunday. */
export type WeekStart = 1 | 6 | 7;

export interface LocalePrefs {
  units: UnitSystem;
  weekStart: WeekStart;
  clock: ClockFormat;
}

/** What the member chose on the preferences page; null = automatic. */
export type ChosenPrefs = { [K in keyof LocalePrefs]: LocalePrefs[K] | null };

/** Where a setting came from, for the preferences page. */
export type PrefSource = 'chosen' | 'moves' | 'browser' | 'default';

/** The Moves profile's `localization` (moves-api.md §3.2): firstWeekDay 1 = Sunday, 2 = Monday. */
export interface MovesLocalization {
  language?: string;
  locale?: string;
  firstWeekDay?: number;
  metric?: boolean;
}

export const DEFAULT_PREFS: LocalePrefs = { units: 'metric', weekStart: 1, clock: '24h' };

/** Regions whose everyday distances are in miles. */
const IMPERIAL_REGIONS = new Set(['US', 'LR', 'MM']);

interface WeekInfoLocale extends Intl.Locale {
  getWeekInfo?: () => { firstDay: number };
  weekInfo?: { firstDay: number };
}

/** The settings a locale tag implies ("en-US", "de_DE"); undefined for a tag Intl does not know. */
export function prefsFromLocale(tag: string): LocalePrefs | undefined {
  let locale: WeekInfoLocale;
  try {
    locale = new Intl.Locale(tag.trim().replace(/_/g, '-')).maximize() as WeekInfoLocale;
  } catch {
    return undefined;
  }
  const firstDay = (locale.getWeekInfo?.() ?? locale.weekInfo)?.firstDay;
  const cycle = new Intl.DateTimeFormat(locale.toString(), { hour: 'numeric' }).resolvedOptions().hourCycle;
  return {
    units: locale.region && IMPERIAL_REGIONS.has(locale.region) ? 'imperial' : 'metric',
    weekStart: firstDay === 7 ? 7 : firstDay === 6 ? 6 : 1,
    clock: cycle === 'h12' || cycle === 'h11' ? '12h' : '24h',
  };
}

/** The settings of the browser's preferred language (the highest `q` with a region Intl knows). */
export function prefsFromAcceptLanguage(header: string | undefined): LocalePrefs | undefined {
  if (!header) return undefined;
  const tags = header
    .split(',')
    .slice(0, 20)
    .map((part, i) => {
      const [tag = '', ...params] = part.split(';').map((s) => s.trim());
      const q = Number(/^q=([\d.]+)$/.exec(params.find((p) => p.startsWith('q=')) ?? '')?.[1] ?? 1);
      return { tag, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((t) => t.tag && t.tag !== '*' && t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of tags) {
    const prefs = prefsFromLocale(tag);
    if (prefs) return prefs;
  }
  return undefined;
}

/** The settings a Moves profile's localization states (each only when it says so, or its locale implies it). */
export function prefsFromMoves(l: MovesLocalization | null | undefined): Partial<LocalePrefs> {
  if (!l) return {};
  const implied = l.locale ? prefsFromLocale(l.locale) : undefined;
  const out: Partial<LocalePrefs> = { ...implied };
  if (typeof l.metric === 'boolean') out.units = l.metric ? 'metric' : 'imperial';
  if (l.firstWeekDay === 1) out.weekStart = 7;
  else if (l.firstWeekDay === 2) out.weekStart = 1;
  return out;
}

/** Each setting from the first that has it: the member's choice, Moves, the browser, the default. */
export function resolvePrefs(
  chosen: ChosenPrefs,
  moves: MovesLocalization | null | undefined,
  acceptLanguage: string | undefined,
): { prefs: LocalePrefs; sources: Record<keyof LocalePrefs, PrefSource> } {
  const fromMoves = prefsFromMoves(moves);
  const fromBrowser = prefsFromAcceptLanguage(acceptLanguage) ?? {};
  const pick = <K extends keyof LocalePrefs>(k: K): [LocalePrefs[K], PrefSource] => {
    const c = chosen[k];
    if (c !== null) return [c as LocalePrefs[K], 'chosen'];
    if (fromMoves[k] !== undefined) return [fromMoves[k], 'moves'];
    const b = (fromBrowser as Partial<LocalePrefs>)[k];
    if (b !== undefined) return [b, 'browser'];
    return [DEFAULT_PREFS[k], 'default'];
  };
  const [units, u] = pick('units');
  const [weekStart, w] = pick('weekStart');
  const [clock, c] = pick('clock');
  return { prefs: { units, weekStart, clock }, sources: { units: u, weekStart: w, clock: c } };
}

const NUMBER_LOCALE = 'en-GB';
const whole = new Intl.NumberFormat(NUMBER_LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(NUMBER_LOCALE, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const METRES_PER_MILE = 1609.344;
const FEET_PER_METRE = 3.28084;

/** "12,345": a count, grouped. */
export function formatCount(n: number): string {
  return whole.format(n);
}

/**
 * A distance in the member's units: "850 m", "4.7 km", "6,771 km"; "900 ft", "2.9 mi", "4,207 mi". One decimal
 * below 100, whole numbers above (a decimal of a long distance says nothing).
 */
export function formatDistance(metres: number, units: UnitSystem = 'metric'): string {
  if (units === 'imperial') {
    const miles = metres / METRES_PER_MILE;
    if (miles < 0.1) return `${whole.format(metres * FEET_PER_METRE)} ft`;
    return `${(miles < 100 ? oneDecimal : whole).format(miles)} mi`;
  }
  if (Math.round(metres) < 1000) return `${whole.format(metres)} m`;
  const km = metres / 1000;
  return `${(km < 100 ? oneDecimal : whole).format(km)} km`;
}

/**
 * Seconds as a duration: "30 s", "45 min", "3 h 20 min"; whole hours from 100 h on ("412 h", "1,250 h"), where
 * minutes say nothing.
 */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h >= 100) return `${whole.format(h)} h`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** A clock reading in the member's format: "14:05" or "2:05 pm". */
export function formatClock(t: DateTime, clock: ClockFormat = '24h'): string {
  return clock === '12h' ? t.toFormat('h:mm a').replace('AM', 'am').replace('PM', 'pm') : t.toFormat('HH:mm');
}

/**
 * A Moves timestamp as the local time it was recorded in, with its zone, in the member's clock format:
 * "17 Jun 2016, 09:24 (UTC+02:00)" or "17 Jun 2016, 9:24 am (UTC+02:00)". A flight's two ends keep their zones.
 */
export function localTimeWithZone(s: string | undefined, clock: ClockFormat = '24h'): string {
  const t = parseMovesTime(s);
  if (!t) return 'unknown';
  const zone = t.offset === 0 ? 'UTC' : `UTC${t.toFormat('ZZ').replace('-', '−')}`;
  return `${dayMonthYear.format(t.toMillis() + t.offset * 60_000)}, ${formatClock(t, clock)} (${zone})`;
}

// Dates are written in English, day before month, whatever the member's settings: those set units, week and
// clock only. The instants are shifted to UTC so that a date is the day it was recorded on.
const dayMonthYear = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const weekdayDate = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

const utcDay = (date: string) => Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8));

/** yyyyMMdd as "Fri 17 Jun 2016". */
export function dayWords(date: string): string {
  return weekdayDate.format(utcDay(date));
}

/** The months' names, January first. */
export const MONTH_NAMES: readonly string[] = Array.from({ length: 12 }, (_, i) =>
  new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2000, i, 1)),
);

/** The ISO weekdays (1 = Monday … 7 = Sunday) in the order a week of the member's is shown. */
export function weekdayOrder(weekStart: WeekStart): number[] {
  return Array.from({ length: 7 }, (_, i) => ((weekStart - 1 + i) % 7) + 1);
}

export const UNIT_LABELS: Record<UnitSystem, string> = {
  metric: 'Metric (km, m)',
  imperial: 'Imperial (miles, feet)',
};
export const WEEK_START_LABELS: Record<WeekStart, string> = { 1: 'Monday', 6: 'Saturday', 7: 'Sunday' };
export const CLOCK_LABELS: Record<ClockFormat, string> = {
  '24h': '24-hour (14:05)',
  '12h': '12-hour (2:05 pm)',
};
