// Unfinished uploads on Open Humans. Every upload is recorded as soon as Open Humans gives it a file id; the
// record goes when the upload is confirmed. A record that remains belongs to an upload that failed or was cut
// short by a crash: its file is completed and deleted by id (OpenHumansClient.discardUpload), at once after a
// failure and otherwise at the next publish, so the member's account never collects unfinished files.
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { pendingUploads } from '../db/schema.ts';
import type { StartedUpload } from '../openhumans/client.ts';
import { AuthRefusedError } from '../upstream/errors.ts';

async function recordStartedUpload(ctx: AppContext, memberId: number, upload: StartedUpload) {
  await ctx.db
    .insert(pendingUploads)
    .values({
      ohFileId: upload.id,
      memberId,
      putUrl: ctx.cipher.encrypt(upload.url),
      startedAt: ctx.clock.date(),
    })
    .onConflictDoNothing();
}

/** How many uploads of the member's are recorded as unfinished. */
async function unfinishedUploadCount(ctx: AppContext, memberId: number): Promise<number> {
  const rows = await ctx.db
    .select({ id: pendingUploads.ohFileId })
    .from(pendingUploads)
    .where(eq(pendingUploads.memberId, memberId));
  return rows.length;
}

async function forgetStartedUpload(ctx: AppContext, ohFileId: number) {
  await ctx.db.delete(pendingUploads).where(eq(pendingUploads.ohFileId, ohFileId));
}

/**
 * Removes the member's unfinished uploads from Open Humans. Returns how many were removed and how many are
 * left; a failure leaves the record for the next attempt (an Open Humans refusal of our token is rethrown:
 * re-authorization).
 */
async function discardUnfinishedUploads(
  ctx: AppContext,
  memberId: number,
  ohAccessToken: () => Promise<string>,
): Promise<{ removed: number; left: number }> {
  const rows = await ctx.db.select().from(pendingUploads).where(eq(pendingUploads.memberId, memberId));
  if (rows.length === 0) return { removed: 0, left: 0 };
  const token = await ohAccessToken();
  let settled = 0;
  for (const row of rows) {
    try {
      const outcome = await ctx.openHumans.discardUpload(token, {
        id: row.ohFileId,
        url: ctx.cipher.decrypt(row.putUrl),
      });
      await ctx.db
        .delete(pendingUploads)
        .where(and(eq(pendingUploads.ohFileId, row.ohFileId), eq(pendingUploads.memberId, memberId)));
      settled++;
      ctx.logger.info(
        { memberId, ohFileId: row.ohFileId, outcome },
        'unfinished upload removed from Open Humans',
      );
    } catch (err) {
      if (err instanceof AuthRefusedError) throw err;
      ctx.logger.warn(
        { err, memberId, ohFileId: row.ohFileId, operation: 'discard upload' },
        'could not remove an unfinished upload yet; retried at the next publish',
      );
    }
  }
  return { removed: settled, left: rows.length - settled };
}

/** The owner of `pending_uploads` on the context (`ctx.pendingUploads`), bound to a context or transaction. */
export interface PendingUploads {
  /** Open Humans gave the upload a file id: recorded until the upload is confirmed. */
  record(memberId: number, upload: StartedUpload): Promise<void>;
  /** The upload completed: nothing to clean up (call it in the transaction that makes the file current). */
  forget(ohFileId: number): Promise<void>;
  /** How many of the member's uploads are recorded as unfinished. */
  count(memberId: number): Promise<number>;
  /** Removes the member's unfinished uploads from Open Humans: how many were removed and how many are left. */
  discardUnfinished(
    memberId: number,
    ohAccessToken: () => Promise<string>,
  ): Promise<{ removed: number; left: number }>;
}

export function createPendingUploads(ctx: AppContext): PendingUploads {
  return {
    record: (memberId, upload) => recordStartedUpload(ctx, memberId, upload),
    forget: (ohFileId) => forgetStartedUpload(ctx, ohFileId),
    count: (memberId) => unfinishedUploadCount(ctx, memberId),
    discardUnfinished: (memberId, ohAccessToken) => discardUnfinishedUploads(ctx, memberId, ohAccessToken),
  };
}
