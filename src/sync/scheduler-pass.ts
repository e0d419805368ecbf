// The scheduler pass (hourly cron, and `oh-moves update-data`): enqueue every connected member whose last
// successful update is older than the staleness window, or who never had one and is not queued or running.
import type { AppContext } from '../context.ts';
import { requeueStrandedSyncs } from './stranded.ts';

export async function runSchedulerPass(ctx: AppContext): Promise<{ enqueued: number; memberIds: number[] }> {
  // A member whose job ended without a word (its process died on every retry) would otherwise wait forever: the
  // states that count as in flight below keep the pass away from them.
  await requeueStrandedSyncs(ctx);
  // Import-only mode: no Moves to ask, so the pass only hands back stranded jobs (imports publish through them).
  if (!ctx.config.moves.enabled) {
    ctx.logger.info('scheduler pass done: import-only mode, no Moves updates');
    return { enqueued: 0, memberIds: [] };
  }
  const staleBefore = new Date(ctx.clock.now() - ctx.config.staleAfterHours * 3_600_000);
  const candidates = await ctx.accounts.dueForSync(staleBefore);
  const memberIds: number[] = [];
  // enqueueSync is idempotent per member (stately + singletonKey): a member with a waiting job is skipped.
  for (const memberId of candidates) {
    if (await ctx.queue.enqueueSync(memberId, 'scheduler')) memberIds.push(memberId);
  }
  ctx.logger.info({ enqueued: memberIds.length, candidates: candidates.length }, 'scheduler pass done');
  return { enqueued: memberIds.length, memberIds };
}
