// Size limits on what Moves sends, with a wide margin over anything the real service produced: Moves' place
// names came from Foursquare, Facebook or the member's own typing (well under 256 characters), activity names
// from a fixed catalogue, and a day of track points was tens of kilobytes (a point every few seconds around the
// clock is ~2 MB). A day beyond these is refused whole, with its date and a reason, instead of being stored and
// served. Pure.
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';

/** Longest string value (place name, activity, id…) a day may hold. */
export const MAX_STRING_CHARS = 1_000;
/** Largest serialized day. */
export const MAX_DAY_BYTES = 2 * 1024 * 1024;

export interface RejectedDay {
  date: string;
  reason: string;
}

export interface ScreenedWeek {
  /** The kept days, as the raw text when nothing was refused (the hot path), else re-serialized losslessly. */
  daysJson: string;
  rejected: RejectedDay[];
}

/** A `"` at `i` that an odd number of backslashes precede belongs to the string it is in. */
function isEscaped(text: string, i: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(--i) === 92) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * True when a JSON string literal (key or value) is longer than `max` characters as written, which a string of
 * more than `max` characters always is. Jumps from quote to quote (a regular expression over every character
 * took a tenth of a small backfill's time).
 */
export function hasLongStringLiteral(json: string, max: number): boolean {
  let open = json.indexOf('"');
  while (open !== -1) {
    let close = json.indexOf('"', open + 1);
    while (close !== -1 && isEscaped(json, close)) close = json.indexOf('"', close + 1);
    if (close === -1) return json.length - open - 1 > max;
    if (close - open - 1 > max) return true;
    open = json.indexOf('"', close + 1);
  }
  return false;
}

function longestString(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (!value || typeof value !== 'object' || depth > 20) return 0;
  let max = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value))
    max = Math.max(max, longestString(v, depth + 1));
  return max;
}

/** Cheap test on JSON text: false means no day in it can break the limits (the common case). */
export function mayBreakLimits(json: string): boolean {
  return Buffer.byteLength(json) > MAX_DAY_BYTES || hasLongStringLiteral(json, MAX_STRING_CHARS);
}

/** Why a day (parsed, `bytes` long when serialized) breaks the limits, or undefined when it does not. */
export function dayLimitProblem(day: unknown, bytes: number): string | undefined {
  const longest = longestString(day);
  if (longest > MAX_STRING_CHARS)
    return `a name or value is ${longest} characters long (at most ${MAX_STRING_CHARS} are accepted)`;
  if (bytes > MAX_DAY_BYTES) return `the day holds ${bytes} bytes (at most ${MAX_DAY_BYTES} are accepted)`;
  return undefined;
}

/** Refuses the days of a day-list response that break the limits. The text must be a valid JSON array. */
export function screenDays(daysJson: string): ScreenedWeek {
  if (!mayBreakLimits(daysJson)) return { daysJson, rejected: [] };
  const days = parseLossless(daysJson) as unknown[];
  const kept: string[] = [];
  const rejected: RejectedDay[] = [];
  for (const day of days) {
    const text = stringifyLossless(day) ?? 'null';
    const problem = dayLimitProblem(day, Buffer.byteLength(text));
    if (problem)
      rejected.push({ date: String((day as { date?: unknown })?.date ?? 'unknown'), reason: problem });
    else kept.push(text);
  }
  return { daysJson: rejected.length ? `[${kept.join(',')}]` : daysJson, rejected };
}
