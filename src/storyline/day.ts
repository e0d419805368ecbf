// A stored Moves day object, read leniently for display and export: what we draw and write is checked here,
// everything else in the stored text is ignored. Times are Moves local timestamps (20160617T093531-0700).
import { DateTime } from 'luxon';
import { z } from 'zod';

// Tolerant: the Moves API documents most fields as optional, and real files write `null` for an empty value. A
// field that is null, of the wrong type or out of range (1e400 reads as Infinity) is read as absent; an entry of a
// list that cannot be read is left out; the rest of the day is still shown. Only a day without a yyyyMMdd date,
// or that is not an object, cannot be read.

/** An optional field: anything that does not fit reads as absent. */
const opt = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** An optional list: null or not a list reads as absent; entries that do not fit are left out. */
const list = <T extends z.ZodType>(item: T) =>
  z
    .unknown()
    .transform((v): z.output<T>[] | undefined =>
      Array.isArray(v)
        ? v.flatMap((x) => {
            const r = item.safeParse(x);
            return r.success ? [r.data as z.output<T>] : [];
          })
        : undefined,
    )
    .optional();

const position = z.object({ lat: z.number(), lon: z.number() }).loose();
const trackPoint = position.extend({ time: opt(z.string()) });

export const storedActivity = z
  .object({
    activity: opt(z.string()),
    group: opt(z.string()),
    manual: opt(z.boolean()),
    startTime: opt(z.string()),
    endTime: opt(z.string()),
    duration: opt(z.number()),
    distance: opt(z.number()),
    steps: opt(z.number()),
    calories: opt(z.number()),
    trackPoints: list(trackPoint),
  })
  .loose();

export const storedSegment = z
  .object({
    type: z.string(),
    startTime: opt(z.string()),
    endTime: opt(z.string()),
    place: opt(
      z
        .object({
          id: opt(z.number()),
          name: opt(z.string()),
          type: opt(z.string()),
          location: opt(position),
        })
        .loose(),
    ),
    activities: list(storedActivity),
  })
  .loose();

export const storedDay = z
  .object({
    date: z.string().regex(/^\d{8}$/),
    summary: list(
      z
        .object({
          activity: opt(z.string()),
          group: opt(z.string()),
          duration: opt(z.number()),
          distance: opt(z.number()),
          steps: opt(z.number()),
          calories: opt(z.number()),
        })
        .loose(),
    ),
    segments: list(storedSegment),
  })
  .loose();

export type StoredDay = z.infer<typeof storedDay>;
export type StoredSegment = z.infer<typeof storedSegment>;
export type StoredActivity = z.infer<typeof storedActivity>;

/** The day, or undefined when the stored value is not a day object we can read. */
export function readDay(raw: unknown): StoredDay | undefined {
  const r = storedDay.safeParse(raw);
  return r.success ? r.data : undefined;
}

/** yyyyMMdd → yyyy-MM-dd. */
export function isoDay(date: string): string {
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
}

/** A day has data when Moves recorded segments for it (`summary: null, segments: null` is a valid empty day). */
export function dayHasData(day: StoredDay): boolean {
  return (day.segments?.length ?? 0) > 0;
}

/** A Moves timestamp as an instant (keeping its own offset), or undefined when it is not one. */
export function parseMovesTime(s: string | undefined): DateTime | undefined {
  if (!s) return undefined;
  const dt = DateTime.fromFormat(s, "yyyyMMdd'T'HHmmssZZZ", { setZone: true });
  if (dt.isValid) return dt;
  const utc = DateTime.fromFormat(s, "yyyyMMdd'T'HHmmss'Z'", { zone: 'UTC' });
  return utc.isValid ? utc : undefined;
}

const MOVES_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})$/;

function movesTimeParts(s: string | undefined) {
  const m = s ? MOVES_TIME.exec(s) : null;
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return undefined;
  return { m, y, mo, d, h, mi, se, zone: m[7]! };
}

/**
 * A Moves timestamp as ISO 8601 with its own offset (20160617T093531-0700 → 2016-06-17T09:35:31-07:00). Plain
 * string work: the downloads convert every track point, and a date library's parser is the slow part there.
 */
export function movesTimeIso(s: string | undefined): string | undefined {
  const t = movesTimeParts(s);
  if (!t) return undefined;
  const [, y, mo, d, h, mi, se] = t.m;
  const zone = t.zone === 'Z' ? 'Z' : `${t.zone.slice(0, 3)}:${t.zone.slice(3)}`;
  return `${y}-${mo}-${d}T${h}:${mi}:${se}${zone}`;
}

/** A Moves timestamp as an ISO 8601 UTC instant (20160617T093531-0700 → 2016-06-17T16:35:31Z). */
export function movesTimeUtc(s: string | undefined): string | undefined {
  const t = movesTimeParts(s);
  if (!t) return undefined;
  const offsetMinutes =
    t.zone === 'Z'
      ? 0
      : (t.zone[0] === '-' ? -1 : 1) * (Number(t.zone.slice(1, 3)) * 60 + Number(t.zone.slice(3)));
  const ms = Date.UTC(t.y, t.mo - 1, t.d, t.h, t.mi, t.se) - offsetMinutes * 60_000;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** A latitude/longitude pair GPX and GeoJSON accept (longitude 180 is written as -180, the same meridian). */
export function usablePosition(p: { lat: number; lon: number }): { lat: number; lon: number } | undefined {
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon) || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180)
    return undefined;
  return { lat: p.lat, lon: p.lon === 180 ? -180 : p.lon };
}

/** The name a place is shown with: its own name, else Home/Work from its type, else undefined (unnamed). */
export function placeName(place: StoredSegment['place']): string | undefined {
  if (!place) return undefined;
  if (place.name && place.name.trim()) return place.name.trim();
  if (place.type === 'home') return 'Home';
  if (place.type === 'work') return 'Work';
  return undefined;
}

/** The activity group a line is drawn and listed with (Moves' four groups, everything else "other"). */
export type ActivityGroup = 'walking' | 'running' | 'cycling' | 'transport' | 'other';

export function activityGroup(a: {
  activity?: string | undefined;
  group?: string | undefined;
}): ActivityGroup {
  const g = a.group ?? a.activity;
  return g === 'walking' || g === 'running' || g === 'cycling' || g === 'transport' ? g : 'other';
}

/** "car", "walking_on_treadmill" → "car", "walking on treadmill". */
export function activityLabel(a: { activity?: string | undefined; group?: string | undefined }): string {
  return (a.activity ?? a.group ?? 'move').replace(/_/g, ' ');
}
