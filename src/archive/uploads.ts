// Uploaded archives (their records: ctx.imports, src/imports/archive-imports.ts): what the web process records after storing an upload, and what
// the member's job does with it. The web process never opens the archive; the job imports it in one transaction
// and deletes the upload whatever the outcome.
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../context.ts';
import type { Reservation, UploadPatch, UploadRow } from '../imports/archive-imports.ts';
import { seedFromOpenHumans } from '../sync/seed.ts';
import { AuthRefusedError } from '../upstream/errors.ts';
import { ArchiveError } from './archive-reader.ts';
import {
  ImportInterruptedError,
  importArchiveFile,
  importWorkDir,
  type ImportReport,
} from './import-archive.ts';

export type { UploadRow };

/** A fresh path for an upload under DATA_DIR/imports. */
export async function uploadPath(ctx: AppContext): Promise<string> {
  const dir = importWorkDir(ctx);
  await fs.promises.mkdir(dir, { recursive: true });
  return path.join(dir, `${UPLOAD_PREFIX}${crypto.randomUUID()}.bin`);
}

const UPLOAD_PREFIX = 'upload-';

/** An upload allowed to arrive: where to store it, and its record (status 'receiving'). */
export interface ReservedUpload {
  id: number;
  path: string;
}

/**
 * Asks for a slot before an upload's body is read: one per member at a time, and within the global budget
 * (IMPORT_MAX_CONCURRENT uploads arriving, IMPORT_DISK_BUDGET_BYTES on disk). `bytes` is what the upload may
 * use: its declared size, or the largest allowed when it declares none.
 */
export async function reserveUpload(
  ctx: AppContext,
  memberId: number,
  bytes: number,
): Promise<ReservedUpload | Exclude<Reservation, { ok: true }>> {
  const file = await uploadPath(ctx);
  const r = await ctx.imports.reserve(
    memberId,
    { path: file, bytes },
    { diskBytes: ctx.config.importDiskBudgetBytes, concurrent: ctx.config.importMaxConcurrent },
  );
  return r.ok ? { id: r.id, path: file } : r;
}

/** The upload did not arrive whole: its file goes and its slot is free again. */
export async function dropUpload(ctx: AppContext, upload: ReservedUpload): Promise<void> {
  await fs.promises.rm(upload.path, { force: true });
  await ctx.imports.release(upload.id);
}

/** The member's newest upload. */
export async function latestUpload(ctx: AppContext, memberId: number): Promise<UploadRow | undefined> {
  return ctx.imports.latest(memberId);
}

/** The upload arrived whole: it waits for the member's job (the same one syncs run in: never two at once). */
export async function acceptUpload(
  ctx: AppContext,
  memberId: number,
  upload: ReservedUpload,
  p: { fileName: string; bytes: number },
): Promise<void> {
  await ctx.imports.received(upload.id, p);
  await ctx.syncState.recordEvent(memberId, 'import_queued', `Received ${p.fileName}: the import is queued`);
  await ctx.queue.enqueueSync(memberId, 'import');
}

export interface PendingImportsResult {
  imported: number;
  /** Weeks written by all of them: something to publish. */
  weeks: number;
}

/** Runs the member's waiting uploads, oldest first. Called at the start of the member's job. */
export async function runPendingImports(ctx: AppContext, memberId: number): Promise<PendingImportsResult> {
  const rows = await ctx.imports.allUnfinished(memberId);
  const result: PendingImportsResult = { imported: 0, weeks: 0 };
  if (rows.length) await seedIfNoFile(ctx, memberId);
  for (const row of rows) {
    const report = await runOne(ctx, row);
    if (report) {
      result.imported++;
      result.weeks += report.weeks;
    }
  }
  return result;
}

/**
 * A member of the original app may have its file on Open Humans and none recorded here. Its days are read first
 * (into weeks not stored yet), so the import merges with them and the publish replaces that file by id instead of
 * leaving a second one beside it. Without access to Open Humans there is nothing to read (the publish will ask
 * the member to sign in again).
 */
async function seedIfNoFile(ctx: AppContext, memberId: number): Promise<void> {
  if (await ctx.publishing.current(memberId)) return;
  let token: string;
  try {
    token = await ctx.accounts.ohAccessToken(memberId);
  } catch (err) {
    if (err instanceof AuthRefusedError) return;
    throw err;
  }
  const skipWeeks = new Set((await ctx.weeks.list(memberId)).map((w) => w.week));
  await seedFromOpenHumans(ctx, memberId, token, { timeZone: 'UTC', skipWeeks });
}

async function runOne(ctx: AppContext, row: UploadRow): Promise<ImportReport | null> {
  const set = (patch: UploadPatch, on: AppContext = ctx) => on.imports.update(row.id, patch);
  await set({ status: 'running', startedAt: ctx.clock.date(), progressDone: 0 });
  let keepFile = false;
  try {
    if (!row.uploadPath || !fs.existsSync(row.uploadPath))
      throw new ArchiveError(
        'the uploaded file is no longer there (the server lost it): please upload it again',
      );
    return await importArchiveFile(ctx, row.memberId, row.uploadPath, {
      displayName: row.fileName,
      onProgress: (p) => set({ progressDone: p.done, progressTotal: p.total }).then(() => undefined),
      onCommit: async (tx, report) => {
        await set(
          {
            status: 'done',
            report,
            finishedAt: tx.clock.date(),
          },
          tx,
        );
      },
    });
  } catch (err) {
    if (err instanceof ImportInterruptedError) {
      // Nothing was committed: the next run of the member's job starts this import again from the file.
      keepFile = true;
      await set({ status: 'pending' });
      await ctx.queue.enqueueSync(row.memberId, 'requeue');
      throw err;
    }
    const plain =
      err instanceof ArchiveError
        ? err.message
        : 'the import failed unexpectedly; nothing was stored. Please try again later';
    if (!(err instanceof ArchiveError))
      ctx.logger.error({ err, memberId: row.memberId }, 'archive import failed');
    await set({ status: 'failed', error: plain, finishedAt: ctx.clock.date() });
    await ctx.syncState.recordEvent(
      row.memberId,
      'import_failed',
      `Import of ${row.fileName} failed: ${plain}`,
    );
    return null;
  } finally {
    if (!keepFile && row.uploadPath) {
      await fs.promises.rm(row.uploadPath, { force: true });
      await set({ uploadPath: null });
    }
  }
}

/** Leftovers older than this are an upload the web process never recorded (it stopped mid-upload) or a crash's. */
export const ABANDONED_AFTER_MS = 24 * 3600_000;

/**
 * Removes files under DATA_DIR/imports that no unfinished import needs and that are older than a day: uploads cut
 * off before they were recorded, staging files and unpacked zips of a worker that crashed; and uploads that stopped
 * arriving (see removeStalledUploads). Run by the scheduler.
 */
export async function sweepAbandonedUploads(ctx: AppContext): Promise<number> {
  const stalled = await removeStalledUploads(ctx, 2 * ctx.config.importStallMs);
  return stalled + (await removeUnneededFiles(ctx, () => true, ABANDONED_AFTER_MS));
}

/**
 * What a crash left under DATA_DIR/imports, removed at start. The embedded database has one process: nothing can
 * be arriving or importing yet, so every file no waiting import needs goes. With a database server another web
 * process may be receiving: only uploads idle for twice the stall time go (a live one writes more often than that,
 * or is closed); a crashed worker's staging files wait for the scheduler's sweep.
 */
export async function removeCrashLeftovers(ctx: AppContext): Promise<number> {
  if (ctx.database.kind === 'pglite')
    return (await removeStalledUploads(ctx, 0)) + (await removeUnneededFiles(ctx, () => true, 0));
  return removeStalledUploads(ctx, 2 * ctx.config.importStallMs);
}

/**
 * Uploads that stopped arriving without being dropped (their web process died): reservations whose file has not
 * changed for `idleMs` (or never appeared), and upload files no record knows that are as old.
 */
async function removeStalledUploads(ctx: AppContext, idleMs: number): Promise<number> {
  const before = Date.now() - idleMs;
  let removed = 0;
  for (const r of await ctx.imports.receivingPaths()) {
    const stat = r.path ? await fs.promises.stat(r.path).catch(() => null) : null;
    // No file yet: the upload's body has not begun (its record's time is on the app's clock).
    const active = stat ? stat.mtimeMs > before : r.createdAt.getTime() > ctx.clock.now() - idleMs;
    if (idleMs > 0 && active) continue;
    if (r.path) await fs.promises.rm(r.path, { force: true });
    await ctx.imports.release(r.id);
    removed++;
  }
  return removed + (await removeUnneededFiles(ctx, (name) => name.startsWith(UPLOAD_PREFIX), idleMs));
}

/**
 * Removes files (or unpacked folders) under DATA_DIR/imports matching `which`, unchanged for `idleMs`, that no
 * unfinished import needs.
 */
async function removeUnneededFiles(
  ctx: AppContext,
  which: (name: string) => boolean,
  idleMs: number,
): Promise<number> {
  const dir = importWorkDir(ctx);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    return 0;
  }
  const inUse = await ctx.imports.pathsInUse();
  const before = Date.now() - idleMs;
  let removed = 0;
  for (const name of names.filter(which)) {
    const file = path.join(dir, name);
    if (inUse.has(file)) continue;
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat || (idleMs > 0 && stat.mtimeMs > before)) continue;
    await fs.promises.rm(file, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
