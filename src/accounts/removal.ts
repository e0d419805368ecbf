// Removing a member's data: the files we published on Open Humans (deleted by the ids we recorded, never by
// a guessed name), our copy of the Moves data, and — for account deletion — the membership itself.
import type { AppContext } from '../context.ts';
import { isAuthRefused, upstreamMessage } from '../upstream/errors.ts';
import { plural } from '../util/time-words.ts';

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
  /** Unfinished uploads of ours removed from Open Humans (an upload cut short by a failure or a crash). */
  unfinishedUploadsRemoved: number;
  /** Unfinished uploads we could not remove: hidden on Open Humans, which deletes them within 6 hours. */
  unfinishedUploadsLeft: number;
}

/** How long a removal waits for the member's running sync to stop (an upload in flight ends first). */
export const REMOVAL_WAIT_MS = 60_000;
const REMOVAL_POLL_MS = 100;

export class RemovalError extends Error {
  override name = 'RemovalError';
  /** Our copy of the Moves data was already deleted when this step failed. */
  removedHere = false;
}

async function deletePublishedFiles(
  ctx: AppContext,
  memberId: number,
  report: RemovalReport,
  { tolerateRefusal }: { tolerateRefusal: boolean },
): Promise<string | null> {
  const files = await ctx.publishing.currentFiles(memberId);
  const unfinished = await ctx.pendingUploads.count(memberId);
  if (!files.length && !unfinished) return null;
  let token: string;
  try {
    token = await ctx.accounts.ohAccessToken(memberId);
    const discarded = await ctx.pendingUploads.discardUnfinished(memberId, async () => token);
    report.unfinishedUploadsRemoved = discarded.removed;
    report.unfinishedUploadsLeft = discarded.left;
  } catch (err) {
    if (tolerateRefusal && isAuthRefused(err)) {
      report.filesLeft.push(...files.map((f) => ({ basename: f.basename, ohFileId: f.ohFileId })));
      report.unfinishedUploadsLeft = unfinished;
      return null;
    }
    throw new RemovalError(`Open Humans could not be reached to delete your file: ${upstreamMessage(err)}`);
  }
  for (const f of files) {
    try {
      await ctx.openHumans.deleteFile(token, { fileId: f.ohFileId });
    } catch (err) {
      if (tolerateRefusal && isAuthRefused(err)) {
        report.filesLeft.push({ basename: f.basename, ohFileId: f.ohFileId });
        continue;
      }
      throw new RemovalError(`Open Humans did not delete the file ${f.basename}: ${upstreamMessage(err)}`);
    }
    await ctx.publishing.markDeleted(f.id);
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
    unfinishedUploadsRemoved: 0,
    unfinishedUploadsLeft: 0,
  };
}

/**
 * Runs a removal with the member's syncs stopped. A sync may be uploading a checkpoint: the removal would miss
 * that file (not recorded yet when the removal lists the files, and no longer deletable once we left the
 * project). So the removal is marked first (a sync checks the mark at every step and before every upload, and
 * ends), and waits for the running sync to end; only then are the files listed and deleted.
 */
async function withSyncsStopped<T>(ctx: AppContext, memberId: number, fn: () => Promise<T>): Promise<T> {
  await ctx.accounts.markRemovalStarted(memberId, true);
  try {
    await waitForRunningSync(ctx, memberId);
    return await fn();
  } finally {
    // The member stays after a disconnect or a failed deletion, and their syncs may run again (after a
    // deletion the row is gone and this changes nothing).
    await ctx.accounts
      .markRemovalStarted(memberId, false)
      .catch((err: unknown) => ctx.logger.warn({ err, memberId }, 'could not clear the removal mark'));
  }
}

/** Cancels the member's queued syncs and waits until none runs (a run's own requeue is cancelled too). */
async function waitForRunningSync(ctx: AppContext, memberId: number): Promise<void> {
  const end = Date.now() + REMOVAL_WAIT_MS;
  for (;;) {
    await ctx.queue.cancelQueuedSyncs(memberId);
    const live = await ctx.queue.liveSyncJobs(memberId);
    if (!live.some((j) => j.state === 'active')) return;
    if (Date.now() > end)
      throw new RemovalError(
        'An update of your data is still uploading to Open Humans and did not stop in time. Nothing was removed; please try again in a few minutes.',
      );
    await new Promise((resolve) => setTimeout(resolve, REMOVAL_POLL_MS));
  }
}

/**
 * Our copy of the Moves data and the Moves link, counted by the same statements that delete them (so the report
 * says exactly what went, whatever else ran meanwhile). The sync state row stays, reset, so that the "Update
 * now" cooldown survives a disconnect and reconnect.
 */
async function deleteLocalMovesData(ctx: AppContext, memberId: number, report: RemovalReport): Promise<void> {
  report.movesUserId = await ctx.transaction(async (tx) => {
    const removed = await tx.weeks.remove(memberId);
    report.weeksDeleted = removed.weeks;
    report.daysDeleted = removed.days;
    await tx.syncState.clear(memberId);
    return tx.accounts.removeMovesAccount(memberId);
  });
}

/** "Disconnect Moves": the published files, our stored weeks, the sync progress and the Moves link. */
export function disconnectMoves(ctx: AppContext, memberId: number): Promise<RemovalReport> {
  return withSyncsStopped(ctx, memberId, () => disconnectStopped(ctx, memberId));
}

async function disconnectStopped(ctx: AppContext, memberId: number): Promise<RemovalReport> {
  const report = emptyReport();
  await deletePublishedFiles(ctx, memberId, report, { tolerateRefusal: false });
  await deleteLocalMovesData(ctx, memberId, report);
  await ctx.syncState.recordEvent(
    memberId,
    'disconnected',
    `Moves disconnected: ${plural(report.filesDeleted.length, 'file')} deleted on Open Humans, ${plural(report.weeksDeleted, 'stored week')} deleted here`,
  );
  return report;
}

/**
 * "Delete my account": the published files, our copy of the data, the project membership on Open Humans, and
 * every row we hold. Our copy goes (and is counted) before leaving: leaving makes Open Humans call our
 * deauthorization webhook, which deletes the member too.
 */
export function deleteAccount(ctx: AppContext, memberId: number): Promise<RemovalReport> {
  return withSyncsStopped(ctx, memberId, () => deleteAccountStopped(ctx, memberId));
}

async function deleteAccountStopped(ctx: AppContext, memberId: number): Promise<RemovalReport> {
  const report = emptyReport();
  let token = await deletePublishedFiles(ctx, memberId, report, { tolerateRefusal: true });
  if (!token && !report.filesLeft.length) {
    try {
      token = await ctx.accounts.ohAccessToken(memberId);
    } catch (err) {
      if (!isAuthRefused(err))
        throw new RemovalError(`Open Humans could not be reached: ${upstreamMessage(err)}`);
    }
  }
  await deleteLocalMovesData(ctx, memberId, report);
  if (token) {
    try {
      await ctx.openHumans.removeMember(token);
      report.leftProject = true;
    } catch (err) {
      if (!isAuthRefused(err)) {
        const e = new RemovalError(
          `Open Humans did not remove you from the project: ${upstreamMessage(err)}`,
        );
        e.removedHere = true;
        throw e;
      }
    }
  }
  await ctx.accounts.removeMember(memberId); // cascades to events and file records
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
  const files = await ctx.publishing.currentFiles(memberId);
  report.filesLeft.push(...files.map((f) => ({ basename: f.basename, ohFileId: f.ohFileId })));
  await ctx.queue.cancelQueuedSyncs(memberId);
  await deleteLocalMovesData(ctx, memberId, report);
  // Cascades to the sync events and the published-file records; the Open Humans tokens go with the row.
  await ctx.accounts.removeMember(memberId);
  report.accountDeleted = true;
  return report;
}

export type DeauthorizationOutcome =
  | { status: 'unknown member' }
  | { status: 'stale'; memberId: number; authorizedAt: Date }
  | { status: 'removed'; memberId: number; report: RemovalReport };

/**
 * The deauthorization webhook's effect, in one transaction. It counts only for the authorization it was sent
 * about: Open Humans keeps a member's project_member_id when they rejoin, and the signed body carries no nonce,
 * so a captured webhook could otherwise remove a member who came back. Its timestamp says when the member left;
 * a member whose current authorization began later has rejoined since, and keeps everything.
 */
export async function deauthorize(
  ctx: AppContext,
  ohMemberId: string,
  leftAt: Date,
): Promise<DeauthorizationOutcome> {
  const outcome = await ctx.transaction(async (tx): Promise<DeauthorizationOutcome> => {
    // Locked: a sign-in racing with the webhook either commits first (and wins) or waits for the removal.
    const member = await tx.accounts.lockMemberAuthorization(ohMemberId);
    if (!member) return { status: 'unknown member' };
    const { memberId, authorizedAt } = member;
    if (leftAt.getTime() < authorizedAt.getTime()) return { status: 'stale', memberId, authorizedAt };
    const report = emptyReport();
    const files = await tx.publishing.currentFiles(memberId);
    report.filesLeft.push(...files.map((f) => ({ basename: f.basename, ohFileId: f.ohFileId })));
    await deleteLocalMovesData(tx, memberId, report);
    await tx.accounts.removeMember(memberId);
    report.accountDeleted = true;
    return { status: 'removed', memberId, report };
  });
  // pg-boss has its own connection: its jobs are cancelled once the removal is committed (a job that starts
  // meanwhile finds no member and ends as skipped).
  if (outcome.status === 'removed') await ctx.queue.cancelQueuedSyncs(outcome.memberId);
  return outcome;
}
