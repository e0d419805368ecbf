// Publishing: the whole history as one JSON array, streamed from the stored weeks to Open Humans. The old file
// is removed (by id) only after the new one is fully uploaded and confirmed, so a failure leaves it in place;
// the failed upload's own unfinished file is removed too (upload-cleanup.ts).
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { publishedFiles } from '../db/schema.ts';
import { AuthRefusedError } from '../upstream/errors.ts';
import { assembleDaysArray } from './file-assembly.ts';
import { storedRange, streamWeekArrays } from './week-store.ts';
import { isoDate } from '../moves/weeks.ts';
import { recordEvent, updateSyncState } from './sync-state.ts';
import { discardUnfinishedUploads, forgetStartedUpload, recordStartedUpload } from './upload-cleanup.ts';

export const STORYLINE_FILENAME = 'moves-storyline-data.json';
export const STORYLINE_DESCRIPTION = 'Moves GPS maps, locations, and steps data.';
export const STORYLINE_TAGS = ['GPS', 'Moves', 'steps'];

export type PublishResult =
  | { published: false; reason: 'empty' | 'unchanged'; size: number; md5: string }
  | { published: true; ohFileId: number; size: number; md5: string };

function fileStream(ctx: AppContext, memberId: number): Readable {
  return Readable.from(assembleDaysArray(streamWeekArrays(ctx, memberId)), { objectMode: false });
}

/** First streaming pass: the file's md5 and size, without holding it. */
async function measure(ctx: AppContext, memberId: number): Promise<{ md5: string; size: number }> {
  const hash = crypto.createHash('md5');
  let size = 0;
  for await (const chunk of assembleDaysArray(streamWeekArrays(ctx, memberId))) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { md5: hash.digest('hex'), size };
}

export async function currentPublishedFile(ctx: AppContext, memberId: number) {
  const [row] = await ctx.db
    .select()
    .from(publishedFiles)
    .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
  return row;
}

/** Uploads the member's file when it differs from the one on Open Humans; then removes the previous file. */
export async function publishStoryline(
  ctx: AppContext,
  memberId: number,
  /** The member's Open Humans token; with `rejected`, a refreshed one after a 401. */
  ohAccessToken: (rejected?: string) => Promise<string>,
): Promise<PublishResult> {
  // Leftovers of an upload that failed or was cut short by a crash go first (usually there are none).
  await discardUnfinishedUploads(ctx, memberId, () => ohAccessToken());
  const range = await storedRange(ctx, memberId);
  if (range.dayCount === 0 || !range.firstDay || !range.lastDay)
    return { published: false, reason: 'empty', size: 0, md5: '' };
  const { md5, size } = await measure(ctx, memberId);
  const current = await currentPublishedFile(ctx, memberId);
  if (current && current.md5 === md5 && current.size === size) {
    await updateSyncState(ctx, memberId, { unpublishedWeeks: 0 });
    return { published: false, reason: 'unchanged', size, md5 };
  }

  await updateSyncState(ctx, memberId, { status: 'uploading' });
  let token = await ohAccessToken();
  const metadata = {
    description: STORYLINE_DESCRIPTION,
    tags: STORYLINE_TAGS,
    updated_at: ctx.clock.date().toISOString(),
    start_date: isoDate(range.firstDay),
    end_date: isoDate(range.lastDay),
    md5,
  };
  const upload = (t: string) =>
    ctx.openHumans.uploadFile(t, {
      filename: STORYLINE_FILENAME,
      metadata,
      size,
      body: () => fileStream(ctx, memberId),
      onStarted: (started) => recordStartedUpload(ctx, memberId, started),
    });
  let uploaded: { id: number; size: number };
  try {
    try {
      uploaded = await upload(token);
    } catch (err) {
      // An access token revoked early: one refresh, then a refusal is final (needs re-authorization).
      if (!(err instanceof AuthRefusedError) || err.status !== 401) throw err;
      token = await ohAccessToken(token);
      uploaded = await upload(token);
    }
  } catch (err) {
    // This upload will never be resumed (the next attempt starts a new one): remove its file now if Open
    // Humans lets us, else at the next publish. The upload's own error is what the caller needs to see.
    const current = token;
    await discardUnfinishedUploads(ctx, memberId, async () => current).catch(() => 0);
    throw err;
  }
  ctx.metrics.bytesPublished.inc(size);

  // The new file is confirmed: it becomes current, the previous one is queued for removal.
  await ctx.db.transaction(async (tx) => {
    await forgetStartedUpload(tx, uploaded.id);
    await tx
      .update(publishedFiles)
      .set({ status: 'delete_pending' })
      .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'current')));
    await tx.insert(publishedFiles).values({
      memberId,
      ohFileId: uploaded.id,
      basename: STORYLINE_FILENAME,
      size,
      md5,
      firstDay: range.firstDay,
      lastDay: range.lastDay,
      dayCount: range.dayCount,
      publishedAt: ctx.clock.date(),
      status: 'current',
    });
  });
  await updateSyncState(ctx, memberId, { unpublishedWeeks: 0 });
  await recordEvent(ctx, memberId, 'published', `Uploaded ${range.dayCount} days to Open Humans`, {
    ohFileId: uploaded.id,
    size,
    md5,
    startDate: metadata.start_date,
    endDate: metadata.end_date,
  });
  await removeReplacedFiles(ctx, memberId, token);
  return { published: true, ohFileId: uploaded.id, size, md5 };
}

/**
 * Deletes, by id, every file of ours that a newer upload replaced. A failure is recorded and retried after the
 * next upload; the new file stays current either way.
 */
export async function removeReplacedFiles(ctx: AppContext, memberId: number, token: string): Promise<void> {
  const pending = await ctx.db
    .select({ id: publishedFiles.id, ohFileId: publishedFiles.ohFileId })
    .from(publishedFiles)
    .where(and(eq(publishedFiles.memberId, memberId), eq(publishedFiles.status, 'delete_pending')));
  for (const p of pending) {
    try {
      await ctx.openHumans.deleteFile(token, { fileId: p.ohFileId });
      await ctx.db.update(publishedFiles).set({ status: 'deleted' }).where(eq(publishedFiles.id, p.id));
    } catch (err) {
      ctx.logger.warn({ err, memberId, ohFileId: p.ohFileId }, 'could not delete the replaced file');
      await recordEvent(
        ctx,
        memberId,
        'cleanup_failed',
        'The previous file could not be removed from Open Humans yet; it will be retried after the next upload',
        { ohFileId: p.ohFileId, error: (err as Error).message },
      );
    }
  }
}
