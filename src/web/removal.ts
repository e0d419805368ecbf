// Removing a member's data: the files we published on Open Humans (deleted by the ids we recorded, never by
// a guessed name), our copy of the Moves data, and — for account deletion — the membership itself.
import { and, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members, movesAccounts, publishedFiles, storedWeeks, syncEvents, syncState } from '../db/schema.ts';
import { QUEUES } from '../jobs/queues.ts';
import { isAuthRefused, upstreamMessage, type WebUpstreams } from './upstreams.ts';

export interface RemovalReport {
  /** Files deleted on Open Humans. */
  filesDeleted: { basename: string; ohFileId: number; size: number }[];
  /** Files we could not delete because Open Humans no longer gives us access. */
  filesLeft: { basename: string; ohFileId: number }[];
  weeksDeleted: number;
  daysDeleted: number;
  movesUserId: string | null;
  leftProject: boolean;
  accountDeleted: boolean;
}

export class RemovalError extends Error {
  override name = 'RemovalError';
}

async function deletePublishedFiles(
  ctx: AppContext,
  up: WebUpstreams,
  memberId: number,
  report: RemovalReport,
  { tolerateRefusal }: { tolerateRefusal: boolean },
): Promise<string | null> {
  const files = await ctx.db
    .select()
    .from(publishedFiles)
    .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
  if (!files.length) return null;
  let token: string;
  try {
    token = await up.getOhAccessToken(ctx, memberId);
  } catch (err) {
    if (tolerateRefusal && isAuthRefused(err)) {
      report.filesLeft.push(...files.map((f) => ({ basename: f.basename, ohFileId: f.ohFileId })));
      return null;
    }
    throw new RemovalError(`Open Humans could not be reached to delete your file: ${upstreamMessage(err)}`);
  }
  for (const f of files) {
    try {
      await up.openHumans.deleteFile(token, { fileId: f.ohFileId });
    } catch (err) {
      if (tolerateRefusal && isAuthRefused(err)) {
        report.filesLeft.push({ basename: f.basename, ohFileId: f.ohFileId });
        continue;
      }
      throw new RemovalError(`Open Humans did not delete the file ${f.basename}: ${upstreamMessage(err)}`);
    }
    await ctx.db.update(publishedFiles).set({ status: 'deleted' }).where(eq(publishedFiles.id, f.id));
    report.filesDeleted.push({ basename: f.basename, ohFileId: f.ohFileId, size: f.size });
  }
  return token;
}

function emptyReport(): RemovalReport {
  return {
    filesDeleted: [],
    filesLeft: [],
    weeksDeleted: 0,
    daysDeleted: 0,
    movesUserId: null,
    leftProject: false,
    accountDeleted: false,
  };
}

async function deleteLocalMovesData(ctx: AppContext, memberId: number, report: RemovalReport): Promise<void> {
  const [counts] = await ctx.db
    .select({
      weeks: sql<number>`count(*)::int`,
      days: sql<number>`coalesce(sum(${storedWeeks.dayCount}),0)::int`,
    })
    .from(storedWeeks)
    .where(eq(storedWeeks.memberId, memberId));
  const [account] = await ctx.db
    .select({ movesUserId: movesAccounts.movesUserId })
    .from(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId));
  report.weeksDeleted = Number(counts?.weeks ?? 0);
  report.daysDeleted = Number(counts?.days ?? 0);
  report.movesUserId = account?.movesUserId ?? null;
  await ctx.db.transaction(async (tx) => {
    await tx.delete(storedWeeks).where(eq(storedWeeks.memberId, memberId));
    await tx.delete(syncState).where(eq(syncState.memberId, memberId));
    await tx.delete(movesAccounts).where(eq(movesAccounts.memberId, memberId));
  });
}

/**
 * Cancels the member's sync jobs that have not started (queued, or waiting for a retry). A job that already
 * runs finds no Moves account at its next token refresh or run and ends as "skipped" (src/sync/sync-job.ts).
 */
export async function cancelQueuedSyncs(ctx: AppContext, memberId: number): Promise<number> {
  const jobs = await ctx.boss.findJobs(QUEUES.syncMember, { key: String(memberId), queued: true });
  const ids = jobs.map((j) => j.id);
  if (ids.length) await ctx.boss.cancel(QUEUES.syncMember, ids);
  return ids.length;
}

/** "Disconnect Moves": the published file(s), our stored weeks, the sync state and the Moves link. */
export async function disconnectMoves(
  ctx: AppContext,
  up: WebUpstreams,
  memberId: number,
): Promise<RemovalReport> {
  const report = emptyReport();
  await deletePublishedFiles(ctx, up, memberId, report, { tolerateRefusal: false });
  await cancelQueuedSyncs(ctx, memberId);
  await deleteLocalMovesData(ctx, memberId, report);
  await ctx.db.insert(syncEvents).values({
    memberId,
    at: ctx.clock.date(),
    kind: 'disconnected',
    message: `Moves disconnected: ${report.filesDeleted.length} file(s) deleted on Open Humans, ${report.weeksDeleted} stored week(s) deleted`,
  });
  return report;
}

/** "Delete my account": the published files, the project membership on Open Humans, and every row we hold. */
export async function deleteAccount(
  ctx: AppContext,
  up: WebUpstreams,
  memberId: number,
): Promise<RemovalReport> {
  const report = emptyReport();
  let token = await deletePublishedFiles(ctx, up, memberId, report, { tolerateRefusal: true });
  await cancelQueuedSyncs(ctx, memberId);
  if (!token && !report.filesLeft.length) {
    try {
      token = await up.getOhAccessToken(ctx, memberId);
    } catch (err) {
      if (!isAuthRefused(err))
        throw new RemovalError(`Open Humans could not be reached: ${upstreamMessage(err)}`);
    }
  }
  if (token) {
    try {
      await up.openHumans.removeMember(token);
      report.leftProject = true;
    } catch (err) {
      if (!isAuthRefused(err))
        throw new RemovalError(`Open Humans did not remove you from the project: ${upstreamMessage(err)}`);
    }
  }
  await deleteLocalMovesData(ctx, memberId, report);
  await ctx.db.delete(members).where(eq(members.id, memberId)); // cascades to events and file records
  report.accountDeleted = true;
  return report;
}

/**
 * After Open Humans told us the member left (deauthorization webhook). Open Humans revokes our tokens before it
 * calls us, so nothing can be done on Open Humans any more: the files we published stay there unless the
 * member ticked "remove data files" when leaving. They are listed in `filesLeft` so the caller can record it.
 * Here we keep nothing in either case: with erasure requested that is the member's demand; without it we
 * still need nothing (tokens are dead, syncing stops, and a returning member's sync starts again from the
 * file on Open Humans if they kept it).
 */
export async function forgetMember(ctx: AppContext, memberId: number): Promise<RemovalReport> {
  const report = emptyReport();
  const files = await ctx.db
    .select()
    .from(publishedFiles)
    .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
  report.filesLeft.push(...files.map((f) => ({ basename: f.basename, ohFileId: f.ohFileId })));
  await cancelQueuedSyncs(ctx, memberId);
  await deleteLocalMovesData(ctx, memberId, report);
  // Cascades to the sync events and the published-file records; the Open Humans tokens go with the row.
  await ctx.db.delete(members).where(eq(members.id, memberId));
  report.accountDeleted = true;
  return report;
}
