// Signed-in sessions are sealed cookies that carry the member id and the member's session version at sign-in.
// A cookie is honoured only while that version is current: logout raises it, which ends every session of the
// member (a copied cookie included), and deleting the account removes the row the version lives on.
import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members } from '../db/schema.ts';

/** Whether a session signed in under `cookieVersion` is still valid for this member row. */
export function sessionIsCurrent(
  member: { sessionVersion: number },
  cookieVersion: number | undefined,
): boolean {
  // Cookies sealed before session versions existed carry none: they count as version 0 until the first logout.
  return member.sessionVersion === (cookieVersion ?? 0);
}

/** Ends every session of the member. */
export async function endSessions(ctx: AppContext, memberId: number): Promise<void> {
  await ctx.db
    .update(members)
    .set({ sessionVersion: sql`${members.sessionVersion} + 1` })
    .where(eq(members.id, memberId));
  ctx.memberViews.changed(memberId);
}
