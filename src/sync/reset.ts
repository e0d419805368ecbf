// A member connected a different Moves account (connectMovesAccount → changedAccount: true): what is stored
// came from the old account and must not be mixed with the new one's history. The stored weeks and the sync
// state (progress, edit cursor, error, backoff) go; the next sync fetches the new account's whole history. The
// published file stays on Open Humans, still recorded as current, until the next publish replaces it.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { storedWeeks, syncState } from '../db/schema.ts';
import { recordEvent } from './sync-state.ts';

export interface ResetResult {
  weeksDeleted: number;
}

export async function resetMemberData(ctx: AppContext, memberId: number): Promise<ResetResult> {
  const deleted = await ctx.db.transaction(async (tx) => {
    const weeks = await tx
      .delete(storedWeeks)
      .where(eq(storedWeeks.memberId, memberId))
      .returning({ week: storedWeeks.week });
    // Only the cursors and progress: a queued job's status row is rewritten by enqueueSync anyway.
    await tx
      .update(syncState)
      .set({
        weeksDone: 0,
        weeksTotal: 0,
        lastSyncStartedAt: null,
        lastSuccessAt: null,
        lastError: null,
        lastErrorAt: null,
        unpublishedWeeks: 0,
        updatedAt: ctx.clock.date(),
      })
      .where(eq(syncState.memberId, memberId));
    return weeks.length;
  });
  await recordEvent(
    ctx,
    memberId,
    'data_reset',
    `A different Moves account was connected: ${deleted} stored weeks of the previous account were removed; the published file stays until the next upload replaces it`,
    { weeksDeleted: deleted },
  );
  return { weeksDeleted: deleted };
}
