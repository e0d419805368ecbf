// Size limits on what Moves sends, with a wide margin over anything the real service produced: Moves' place
// names came from Foursquare, Facebook or the member's own typing (well under 256 characters), activity names
// from a fixed catalogue, and a day of track points was tens of kilobytes (a point every few seconds around the
// clock is ~2 MB). A day beyond these is refused whole, with its date and a reason, instead of being stored and
// served. Pure.
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';

/**
 * Longest string (place name, activity, id…, and every object key) a day may hold. Generous: a name is the
 * member's own data and is kept exactly as written (views shorten it); this only stops absurd values.
 */
export const MAX_STRING_CHARS = 10_000;
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

/**
 * The longest string in a parsed day, object keys included, at any depth. A loop over an explicit stack: a day
 * nested thousands deep must not overflow the call stack, nor hide a string below some depth.
 */
function longestString(value: unknown): number {
  let max = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') max = Math.max(max, v.length);
    // One push per element: spreading a list of a million numbers would overflow the argument limit.
    else if (Array.isArray(v)) for (const inner of v) stack.push(inner);
    else if (v && typeof v === 'object')
      for (const [key, inner] of Object.entries(v)) {
        max = Math.max(max, key.length);
        stack.push(inner);
      }
  }
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
    return `a name, value or key is ${longest} characters long (at most ${MAX_STRING_CHARS} are accepted)`;
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
