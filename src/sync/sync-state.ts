// The member's sync state row and event trail, as the dashboard and admin read them.
import type { AppContext } from '../context.ts';
import { syncEvents, syncState } from '../db/schema.ts';

export type SyncStatus =
  | 'idle'
  | 'queued'
  | 'running'
  | 'waiting_rate_limit'
  | 'uploading'
  | 'up_to_date'
  | 'error'
  | 'needs_reauth';

export type SyncStatePatch = Partial<Omit<typeof syncState.$inferInsert, 'memberId' | 'updatedAt'>>;

export async function updateSyncState(
  ctx: AppContext,
  memberId: number,
  patch: SyncStatePatch,
): Promise<void> {
  const now = ctx.clock.date();
  await ctx.db
    .insert(syncState)
    .values({ memberId, ...patch, updatedAt: now })
    .onConflictDoUpdate({ target: syncState.memberId, set: { ...patch, updatedAt: now } });
}

export async function recordEvent(
  ctx: AppContext,
  memberId: number,
  kind: string,
  message: string,
  details?: Record<string, unknown>,
): Promise<void> {
  await ctx.db
    .insert(syncEvents)
    .values({ memberId, at: ctx.clock.date(), kind, message, details: details ?? null });
}
