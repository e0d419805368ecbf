// A member connected a different Moves account (connectMovesAccount → changedAccount: true): what is stored
// came from the old account and must not be mixed with the new one's history. The stored weeks and the sync
// state (progress, edit cursor, error, backoff) and the days imports refused go; the next sync fetches the new account's whole history. The
// published file stays on Open Humans, still recorded as current, until the next publish replaces it.
import type { AppContext } from '../context.ts';
import { plural } from '../util/time-words.ts';

export interface ResetResult {
  weeksDeleted: number;
}

export async function resetMemberData(ctx: AppContext, memberId: number): Promise<ResetResult> {
  const deleted = await ctx.transaction(async (tx) => {
    const { weeks } = await tx.weeks.remove(memberId);
    // Days the old account's exports had refused are no part of the new history.
    await tx.imports.clearRefused(memberId);
    await tx.syncState.resetProgress(memberId);
    return weeks;
  });
  await ctx.syncState.recordEvent(
    memberId,
    'data_reset',
    `A different Moves account was connected: ${plural(deleted, 'stored week')} of the previous account removed; the published file stays until the next upload replaces it`,
    { weeksDeleted: deleted },
  );
  return { weeksDeleted: deleted };
}
