// Publishing: the whole history as one JSON array, streamed from the stored weeks to Open Humans. The old file
// is removed (by id) only after the new one is fully uploaded and confirmed, so a failure leaves it in place;
// the failed upload's own unfinished file is removed too (upload-cleanup.ts).
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { AppContext } from '../context.ts';
import { retryAfter401 } from '../upstream/retry-after-401.ts';
import { errorReason } from '../safe-error.ts';
import { assembleDaysArray } from './file-assembly.ts';
import { isoDate } from '../moves/weeks.ts';
import { stopIfRemovalUnderWay } from './removal-stop.ts';

export const STORYLINE_FILENAME = 'moves-storyline-data.json';
export const STORYLINE_DESCRIPTION = 'Moves GPS maps, locations, and steps data.';
export const STORYLINE_TAGS = ['GPS', 'Moves', 'steps'];

export type PublishResult =
  | { published: false; reason: 'empty' | 'unchanged'; size: number; md5: string }
  | { published: true; ohFileId: number; size: number; md5: string };

/**
 * A file up to this size is kept from the measuring pass and uploaded from memory: a small history is read
 * once. A larger one is read again for the upload, so that memory stays flat however long the history is.
 */
export const KEEP_FILE_BYTES = 16 * 1024 * 1024;

interface MeasuredFile {
  md5: string;
  size: number;
  /** The file's bytes, when it is small enough to keep. */
  kept: Buffer[] | undefined;
}

/** First streaming pass: the file's md5 and size, and the file itself only while it is small. */
async function measure(ctx: AppContext, memberId: number): Promise<MeasuredFile> {
  const hash = crypto.createHash('md5');
  let size = 0;
  let kept: Buffer[] | undefined = [];
  for await (const chunk of assembleDaysArray(ctx.weeks.stream(memberId))) {
    hash.update(chunk);
    size += chunk.length;
    if (size > KEEP_FILE_BYTES) kept = undefined;
    kept?.push(chunk);
  }
  return { md5: hash.digest('hex'), size, kept };
}

function fileStream(ctx: AppContext, memberId: number, file: MeasuredFile): Readable {
  if (file.kept) return Readable.from(file.kept, { objectMode: false });
  return Readable.from(assembleDaysArray(ctx.weeks.stream(memberId)), { objectMode: false });
}

/** Uploads the member's file when it differs from the one on Open Humans; then removes the previous file. */
export async function publishStoryline(
  ctx: AppContext,
  memberId: number,
  /** The member's Open Humans token; with `rejected`, a refreshed one after a 401. */
  ohAccessToken: (rejected?: string) => Promise<string>,
): Promise<PublishResult> {
  // Leftovers of an upload that failed or was cut short by a crash go first (usually there are none).
  await ctx.pendingUploads.discardUnfinished(memberId, () => ohAccessToken());
  const range = await ctx.weeks.range(memberId);
  if (range.dayCount === 0 || !range.firstDay || !range.lastDay)
    return { published: false, reason: 'empty', size: 0, md5: '' };
  const file = await measure(ctx, memberId);
  const { md5, size } = file;
  const current = await ctx.publishing.current(memberId);
  if (current && current.md5 === md5 && current.size === size) {
    await ctx.syncState.update(memberId, { unpublishedWeeks: 0 });
    return { published: false, reason: 'unchanged', size, md5 };
  }

  await stopIfRemovalUnderWay(ctx, memberId); // no upload starts once a removal has begun
  await ctx.syncState.update(memberId, { status: 'uploading' });
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
      body: () => fileStream(ctx, memberId, file),
      onStarted: (started) => ctx.pendingUploads.record(memberId, started),
    });
  let uploaded: { id: number; size: number };
  try {
    uploaded = await retryAfter401(
      () => upload(token),
      async () => {
        token = await ohAccessToken(token);
      },
    );
  } catch (err) {
    // This upload will never be resumed (the next attempt starts a new one): remove its file now if Open
    // Humans lets us, else at the next publish. The upload's own error is what the caller needs to see.
    const current = token;
    await ctx.pendingUploads.discardUnfinished(memberId, async () => current).catch(() => undefined);
    throw err;
  }
  ctx.metrics.bytesPublished.inc(size);

  // The new file is confirmed: it becomes current, the previous one is queued for removal.
  await ctx.transaction(async (tx) => {
    await tx.pendingUploads.forget(uploaded.id);
    await tx.publishing.recordUpload(memberId, {
      ohFileId: uploaded.id,
      basename: STORYLINE_FILENAME,
      size,
      md5,
      firstDay: range.firstDay,
      lastDay: range.lastDay,
      dayCount: range.dayCount,
      publishedAt: ctx.clock.date(),
    });
  });
  await ctx.syncState.update(memberId, { unpublishedWeeks: 0 });
  await ctx.syncState.recordEvent(memberId, 'published', `Uploaded ${range.dayCount} days to Open Humans`, {
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
  const pending = await ctx.publishing.pendingRemoval(memberId);
  for (const p of pending) {
    try {
      await ctx.openHumans.deleteFile(token, { fileId: p.ohFileId });
      await ctx.publishing.markDeleted(p.id);
    } catch (err) {
      ctx.logger.warn({ err, memberId, ohFileId: p.ohFileId }, 'could not delete the replaced file');
      await ctx.syncState.recordEvent(
        memberId,
        'cleanup_failed',
        'The previous file could not be removed from Open Humans yet; it will be retried after the next upload',
        { ohFileId: p.ohFileId, error: errorReason(err) },
      );
    }
  }
}
