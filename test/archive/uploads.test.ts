// An upload's life in the member's job: a shutdown mid-import stores nothing and leaves the upload to be run
// again; an import a crashed worker left "running" is run again from its file; a vanished file fails cleanly.
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportInterruptedError, importWorkDir } from '../../src/archive/import-archive.ts';
import {
  acceptUpload,
  latestUpload,
  reserveUpload,
  runPendingImports,
  sweepAbandonedUploads,
  uploadPath,
} from '../../src/archive/uploads.ts';
import { archiveImports, publishedFiles, storedWeeks } from '../../src/db/schema.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { createMember, dates, jackson, storylineDay, zipBuffer } from './fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({});
});
afterAll(async () => {
  await ctx?.close();
});

async function upload(memberId: number) {
  const days = dates('20160104', 21).map((d) => storylineDay(d));
  const data = await zipBuffer({ 'moves_export/json/full/storyline.json': jackson(days) });
  const slot = await reserveUpload(ctx, memberId, data.length);
  if (!('id' in slot)) throw new Error(`refused: ${slot.why}`);
  fs.writeFileSync(slot.path, data);
  await acceptUpload(ctx, memberId, slot, { fileName: 'moves_export.zip', bytes: data.length });
  return slot.path;
}

let nextFileId = 9000;
/** A member whose Open Humans file is recorded here (so the job does not look for an original-app file). */
async function memberWithFile() {
  const m = await createMember(ctx);
  await ctx.db.insert(publishedFiles).values({
    memberId: m.memberId,
    ohFileId: ++nextFileId,
    basename: 'moves-storyline-data.json',
    size: 2,
    md5: 'x',
    status: 'current',
  });
  return m;
}

const weeksOf = async (memberId: number) =>
  ctx.db.select({ week: storedWeeks.week }).from(storedWeeks).where(eq(storedWeeks.memberId, memberId));

describe('uploads in the member job', () => {
  it('a shutdown mid-import stores nothing, keeps the upload pending, and the next run imports it', async () => {
    const { memberId } = await memberWithFile();
    const file = await upload(memberId);
    const stopping = { ...ctx, shutdownSignal: AbortSignal.abort() };
    await expect(runPendingImports(stopping, memberId)).rejects.toBeInstanceOf(ImportInterruptedError);
    expect(await weeksOf(memberId)).toEqual([]);
    expect(await latestUpload(ctx, memberId)).toMatchObject({ status: 'pending', uploadPath: file });
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readdirSync(importWorkDir(ctx)).filter((n) => n.startsWith('staging-'))).toEqual([]);

    expect(await runPendingImports(ctx, memberId)).toEqual({ imported: 1, weeks: 3 });
    expect(await weeksOf(memberId)).toHaveLength(3);
    expect(await latestUpload(ctx, memberId)).toMatchObject({ status: 'done', uploadPath: null });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('runs again an import a crashed worker left running, and fails cleanly when its file is gone', async () => {
    const { memberId } = await memberWithFile();
    const file = await upload(memberId);
    await ctx.db
      .update(archiveImports)
      .set({ status: 'running' })
      .where(eq(archiveImports.memberId, memberId));
    expect(await runPendingImports(ctx, memberId)).toEqual({ imported: 1, weeks: 3 });
    expect(fs.existsSync(file)).toBe(false);

    const other = await memberWithFile();
    const lost = await upload(other.memberId);
    fs.rmSync(lost);
    expect(await runPendingImports(ctx, other.memberId)).toEqual({ imported: 0, weeks: 0 });
    const row = await latestUpload(ctx, other.memberId);
    expect(row).toMatchObject({ status: 'failed', uploadPath: null });
    expect(row?.error).toMatch(/no longer there.*upload it again/);
    expect(await weeksOf(other.memberId)).toEqual([]);
    expect(path.dirname(lost)).toBe(importWorkDir(ctx));
  });

  it('sweeps day-old files no unfinished import needs, and keeps the ones that are needed or recent', async () => {
    const { memberId } = await memberWithFile();
    const needed = await upload(memberId);
    const orphan = await uploadPath(ctx);
    fs.writeFileSync(orphan, 'cut off');
    const fresh = await uploadPath(ctx);
    fs.writeFileSync(fresh, 'still arriving');
    const old = new Date(Date.now() - 2 * 86_400_000);
    fs.utimesSync(needed, old, old);
    fs.utimesSync(orphan, old, old);
    expect(await sweepAbandonedUploads(ctx)).toBe(1);
    expect([fs.existsSync(needed), fs.existsSync(orphan), fs.existsSync(fresh)]).toEqual([true, false, true]);
  });
});
