// The member's choice about the background map: tiles come from a third-party server that learns which map area
// the member looks at, so they load only after the member agreed, and the choice is remembered until withdrawn.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members } from '../db/schema.ts';

/** Records (on = true) or withdraws the member's consent to background map tiles. */
export async function setMapTilesConsent(ctx: AppContext, memberId: number, on: boolean): Promise<void> {
  await ctx.db
    .update(members)
    .set({ mapTilesConsentAt: on ? ctx.clock.date() : null })
    .where(eq(members.id, memberId));
  ctx.memberViews.changed(memberId);
}

/** True when the member (a loaded members row) agreed to background map tiles. */
export function hasMapTilesConsent(member: { mapTilesConsentAt: Date | null } | undefined): boolean {
  return !!member?.mapTilesConsentAt;
}
