// A removal of the member's data (account deletion, Moves disconnect) waits for their running sync to end; the
// sync ends early for it: it checks at its start, at every progress write and before every upload, so no upload
// starts once the removal has begun and the removal then finds every file of ours recorded.
import type { AppContext } from '../context.ts';

export class RemovalUnderWayError extends Error {
  override name = 'RemovalUnderWayError';
  constructor() {
    super("The member's data is being removed: the sync stops");
  }
}

/** Throws RemovalUnderWayError when a removal of the member's data is under way (or the member is gone). */
export async function stopIfRemovalUnderWay(ctx: AppContext, memberId: number): Promise<void> {
  if (await ctx.accounts.removalUnderWay(memberId)) throw new RemovalUnderWayError();
}
