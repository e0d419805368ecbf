// Times and counts as a member reads them: in their Moves time zone, in words ("in 4 days", "today at 12:37"),
// never as ISO strings and never with "(s)". Pure: "now" and the zone come in as arguments.
import { DateTime } from 'luxon';

/** "1 week", "106 weeks"; `many` for irregular plurals ("1 day", "2 days" need none). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** "42 seconds", "3 minutes", "2 hours 5 minutes", "4 days". Rounded up below an hour, so a wait is never 0. */
export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  if (s < 60) return plural(s, 'second');
  const min = Math.ceil(s / 60);
  if (min < 60) return plural(min, 'minute');
  const h = Math.floor(min / 60);
  const rest = min % 60;
  if (h < 48) return rest ? `${plural(h, 'hour')} ${plural(rest, 'minute')}` : plural(h, 'hour');
  return plural(Math.round(h / 24), 'day');
}

/** "in 4 days", "3 minutes ago", "just now", "in a moment". */
export function relativeWords(date: Date, now: number): string {
  const diff = date.getTime() - now;
  if (Math.abs(diff) < 5000) return diff > 0 ? 'in a moment' : 'just now';
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

/** The zone to show times in: the member's Moves zone when it is a valid IANA name, else UTC. */
export function displayZone(zone: string | null | undefined): string {
  return zone && DateTime.now().setZone(zone).isValid ? zone : 'UTC';
}

/** The zone's short name at that moment, so no time is shown without its zone: "UTC", "CET", "GMT-5". */
export function zoneLabel(date: Date, zone: string): string {
  const z = displayZone(zone);
  return z === 'UTC' ? 'UTC' : DateTime.fromJSDate(date, { zone: z }).setLocale('en-GB').toFormat('ZZZZ');
}

/** "12:37 CET" in the zone. */
export function clockTime(date: Date, zone: string): string {
  return `${DateTime.fromJSDate(date, { zone: displayZone(zone) }).toFormat('HH:mm')} ${zoneLabel(date, zone)}`;
}

/** "today at 12:37 CET", "tomorrow at 08:00 UTC", "Sat 5 Dec at 12:37 CET", "Sat 5 Dec 2025 at 12:37 CET". */
export function dayAndTime(date: Date, now: number, zone: string): string {
  const z = displayZone(zone);
  const t = DateTime.fromJSDate(date, { zone: z });
  const today = DateTime.fromMillis(now, { zone: z }).startOf('day');
  const days = Math.round(t.startOf('day').diff(today, 'days').days);
  const time = `${t.toFormat('HH:mm')} ${zoneLabel(date, z)}`;
  if (days === 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  if (days === -1) return `yesterday at ${time}`;
  return `${t.toFormat(t.year === today.year ? 'ccc d LLL' : 'ccc d LLL yyyy')} at ${time}`;
}

/** "today at 12:37 CET (3 minutes ago)". */
export function formatWhen(date: Date, now: number, zone: string): string {
  return `${dayAndTime(date, now, zone)} (${relativeWords(date, now)})`;
}

/** A Moves day id (yyyyMMdd) as "2 Dec 2024". */
export function formatMovesDay(day: string): string {
  const d = DateTime.fromFormat(day, 'yyyyMMdd', { zone: 'utc' });
  return d.isValid ? d.toFormat('d LLL yyyy') : day;
}

/** "Times are in Europe/Berlin, the time zone of your Moves account." */
export function zoneNote(zone: string | null | undefined): string {
  return zone && displayZone(zone) === zone
    ? `Times are in ${zone}, the time zone of your Moves account.`
    : 'Times are in UTC until Moves tells us the time zone of your account.';
}
