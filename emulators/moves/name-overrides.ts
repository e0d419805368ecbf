// Names a test wants Moves to send instead of the generated ones (control `names`): every named place and every
// activity of the user's storyline carry them, so clients can be tried with hostile or oversized strings
// (`<img src=x onerror=…>`, a 2 MB place name) that real Moves, which stored what apps wrote, could have sent.
import { z } from 'zod';

export const nameOverridesSchema = z
  .object({
    placeName: z.string().max(10_000).optional(),
    activity: z.string().max(10_000).optional(),
    /** Repeat the strings this many times (a 2 MB name without a 2 MB control request). */
    repeat: z.number().int().min(1).max(10_000_000).optional(),
    /** Only this day (yyyyMMdd); omitted → every day. */
    date: z
      .string()
      .regex(/^\d{8}$/)
      .optional(),
  })
  .strict();
export type NameOverridesInput = z.infer<typeof nameOverridesSchema>;

export interface NameOverrides {
  placeName?: string;
  activity?: string;
  date?: string;
}

export function resolveNameOverrides(input: NameOverridesInput): NameOverrides | undefined {
  const n = input.repeat ?? 1;
  const out: NameOverrides = {};
  if (input.placeName !== undefined) out.placeName = input.placeName.repeat(n);
  if (input.activity !== undefined) out.activity = input.activity.repeat(n);
  if (out.placeName === undefined && out.activity === undefined) return undefined;
  if (input.date !== undefined) out.date = input.date;
  return out;
}

interface DayLike {
  date?: string;
  segments?: { place?: { name?: string }; activities?: { activity: string }[] }[] | null;
}

/** Applies the overrides to a projected day (a fresh object: the generator's cached places stay untouched). */
export function applyNameOverrides<T extends object>(day: T, o: NameOverrides | undefined): T {
  if (!o || (o.date !== undefined && (day as DayLike).date !== o.date)) return day;
  for (const s of (day as DayLike).segments ?? []) {
    if (o.placeName !== undefined && s.place && s.place.name !== undefined) s.place.name = o.placeName;
    if (o.activity !== undefined) for (const a of s.activities ?? []) a.activity = o.activity;
  }
  return day;
}
