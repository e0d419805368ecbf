// The scheduler pass (hourly cron, and `oh-moves update-data`): enqueue every connected member whose last
// successful update is older than the staleness window, or who never had one and is not queued or running.
import { and, eq, isNull, lt, notInArray, or } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members, movesAccounts, syncState } from '../db/schema.ts';
import { enqueueSync } from './enqueue.ts';

/** States in which a member already has a job (queued, active or waiting for its requeue). */
const IN_FLIGHT = ['queued', 'running', 'uploading', 'waiting_rate_limit'];

export async function runSchedulerPass(ctx: AppContext): Promise<{ enqueued: number; memberIds: number[] }> {
  const staleBefore = new Date(ctx.clock.now() - ctx.config.staleAfterHours * 3_600_000);
  const candidates = await ctx.db
    .select({ memberId: members.id })
    .from(members)
    .innerJoin(movesAccounts, eq(movesAccounts.memberId, members.id))
    .leftJoin(syncState, eq(syncState.memberId, members.id))
    .where(
      and(
        eq(movesAccounts.status, 'connected'),
        eq(members.ohNeedsReauth, false),
        or(
          lt(syncState.lastSuccessAt, staleBefore),
          and(
            isNull(syncState.lastSuccessAt),
            or(isNull(syncState.status), notInArray(syncState.status, IN_FLIGHT)),
          ),
        ),
      ),
    )
    .orderBy(members.id);
  const memberIds: number[] = [];
  // enqueueSync is idempotent per member (stately + singletonKey): a member with a waiting job is skipped.
  for (const c of candidates) {
    if (await enqueueSync(ctx, c.memberId, 'scheduler')) memberIds.push(c.memberId);
  }
  ctx.logger.info({ enqueued: memberIds.length, candidates: candidates.length }, 'scheduler pass done');
  return { enqueued: memberIds.length, memberIds };
}
