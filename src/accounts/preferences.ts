// A member's units and locale settings (table member_preferences): what they chose on the preferences page
// (null = automatic) and the `localization` of their Moves profile, kept from their last profile read. What the
// pages show is worked out from these and the browser's language by resolvePrefs (src/storyline/units.ts).
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { memberPreferences } from '../db/schema.ts';
import type {
  ChosenPrefs,
  ClockFormat,
  MovesLocalization,
  UnitSystem,
  WeekStart,
} from '../storyline/units.ts';

export interface StoredPreferences {
  chosen: ChosenPrefs;
  movesLocalization: MovesLocalization | null;
}

const NONE: StoredPreferences = {
  chosen: { units: null, weekStart: null, clock: null },
  movesLocalization: null,
};

const oneOf = <T extends string | number>(v: unknown, allowed: readonly T[]): T | null =>
  allowed.includes(v as T) ? (v as T) : null;

export async function getPreferences(ctx: AppContext, memberId: number): Promise<StoredPreferences> {
  const [row] = await ctx.db.select().from(memberPreferences).where(eq(memberPreferences.memberId, memberId));
  if (!row) return NONE;
  return {
    chosen: {
      units: oneOf<UnitSystem>(row.units, ['metric', 'imperial']),
      weekStart: oneOf<WeekStart>(row.weekStart, [1, 6, 7]),
      clock: oneOf<ClockFormat>(row.clock, ['24h', '12h']),
    },
    movesLocalization: (row.movesLocalization as MovesLocalization | null) ?? null,
  };
}

/** Stores the member's choices (null = automatic). */
export async function setPreferences(ctx: AppContext, memberId: number, chosen: ChosenPrefs): Promise<void> {
  const values = { ...chosen, updatedAt: ctx.clock.date() };
  await ctx.db
    .insert(memberPreferences)
    .values({ memberId, ...values })
    .onConflictDoUpdate({ target: memberPreferences.memberId, set: values });
}

/** Keeps the `localization` of a Moves profile just read (the automatic settings follow it). */
export async function saveMovesLocalization(
  ctx: AppContext,
  memberId: number,
  localization: MovesLocalization,
): Promise<void> {
  const values = { movesLocalization: localization, updatedAt: ctx.clock.date() };
  await ctx.db
    .insert(memberPreferences)
    .values({ memberId, ...values })
    .onConflictDoUpdate({ target: memberPreferences.memberId, set: values });
}
