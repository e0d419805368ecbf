// Reads of one member's rows for the pages: Moves account, sync state, events, published files.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { movesAccounts, publishedFiles, storedWeeks, syncEvents, syncState } from '../db/schema.ts';

export type MovesAccountRow = typeof movesAccounts.$inferSelect;
export type SyncStateRow = typeof syncState.$inferSelect;
export type SyncEventRow = typeof syncEvents.$inferSelect;
export type PublishedFileRow = typeof publishedFiles.$inferSelect;

export async function movesAccountOf(
  ctx: AppContext,
  memberId: number,
): Promise<MovesAccountRow | undefined> {
  const [row] = await ctx.db
    .select()
    .from(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId))
    .limit(1);
  return row;
}

export async function syncStateOf(ctx: AppContext, memberId: number): Promise<SyncStateRow | undefined> {
  const [row] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId)).limit(1);
  return row;
}

export async function recentEvents(ctx: AppContext, memberId: number, limit = 10): Promise<SyncEventRow[]> {
  return ctx.db
    .select()
    .from(syncEvents)
    .where(eq(syncEvents.memberId, memberId))
    .orderBy(desc(syncEvents.at), desc(syncEvents.id))
    .limit(limit);
}

export async function currentFiles(ctx: AppContext, memberId: number): Promise<PublishedFileRow[]> {
  return ctx.db
    .select()
    .from(publishedFiles)
    .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
}

export async function storedSummary(
  ctx: AppContext,
  memberId: number,
): Promise<{ weeks: number; days: number; bytes: number; firstDay: string | null; lastDay: string | null }> {
  const [row] = await ctx.db
    .select({
      weeks: sql<number>`count(*)::int`,
      days: sql<number>`coalesce(sum(${storedWeeks.dayCount}), 0)::int`,
      bytes: sql<number>`coalesce(sum(${storedWeeks.bytes}), 0)::bigint`,
      firstDay: sql<string | null>`min(${storedWeeks.firstDay})`,
      lastDay: sql<string | null>`max(${storedWeeks.lastDay})`,
    })
    .from(storedWeeks)
    .where(eq(storedWeeks.memberId, memberId));
  return {
    weeks: Number(row?.weeks ?? 0),
    days: Number(row?.days ?? 0),
    bytes: Number(row?.bytes ?? 0),
    firstDay: row?.firstDay ?? null,
    lastDay: row?.lastDay ?? null,
  };
}
