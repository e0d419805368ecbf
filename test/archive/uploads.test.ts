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
import { runService } from '../../src/service.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { createMember, dates, jackson, storylineDay, zipBuffer } from './fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({});
});
afterAll(async () => {
  await ctx?.close();
});

async function upload(memberId: number, on: TestContext = ctx) {
  const days = dates('20160104', 21).map((d) => storylineDay(d));
  const data = await zipBuffer({ 'moves_export/json/full/storyline.json': jackson(days) });
  const slot = await reserveUpload(on, memberId, data.length);
  if (!('id' in slot)) throw new Error(`refused: ${slot.why}`);
  fs.writeFileSync(slot.path, data);
  await acceptUpload(on, memberId, slot, { fileName: 'moves_export.zip', bytes: data.length });
  return slot.path;
}

let nextFileId = 9000;
/** A member whose Open Humans file is recorded here (so the job does not look for an original-app file). */
async function memberWithFile(on: TestContext = ctx) {
  const m = await createMember(on);
  await on.db.insert(publishedFiles).values({
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

describe.each(storeKinds())('reserving uploads on %s', (store) => {
  let db: TestContext;
  beforeAll(async () => {
    db = await createTestContext({ store, env: { IMPORT_MAX_CONCURRENT: '2' } });
  });
  afterAll(async () => {
    await db?.close();
  });
  const budget = { diskBytes: 1000, concurrent: 2 };

  it('gives one member one slot however many ask at once, and frees it when released', async () => {
    const { memberId } = await createMember(db);
    const tries = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        db.imports.reserve(memberId, { path: `/x/${i}`, bytes: 1 }, budget),
      ),
    );
    expect(tries.filter((t) => t.ok)).toHaveLength(1);
    expect(tries.filter((t) => !t.ok && t.why === 'member-busy')).toHaveLength(4);
    const won = tries.find((t) => t.ok)!;
    await db.imports.release(won.id);
    const again = await db.imports.reserve(memberId, { path: '/x/again', bytes: 1 }, budget);
    expect(again.ok).toBe(true);
    if (again.ok) await db.imports.release(again.id);
  });

  it('refuses past the uploads arriving at once, and past the disk budget', async () => {
    const members = await Promise.all([1, 2, 3].map(() => createMember(db)));
    const [a, b, c] = await Promise.all(
      members.map((m, i) => db.imports.reserve(m.memberId, { path: `/y/${i}`, bytes: 100 }, budget)),
    );
    expect([a, b, c].filter((r) => r!.ok)).toHaveLength(2);
    expect([a, b, c].filter((r) => !r!.ok && r!.why === 'full')).toHaveLength(1);
    for (const r of [a, b, c]) if (r!.ok) await db.imports.release(r!.id);
    const big = await db.imports.reserve(members[0]!.memberId, { path: '/y/big', bytes: 1001 }, budget);
    expect(big).toEqual({ ok: false, why: 'full' });
    expect(await db.db.select().from(archiveImports)).toEqual([]);
  });

  it('removes at start what a killed process left: partial uploads, their slots, stray files', async () => {
    const { memberId } = await memberWithFile(db);
    const waiting = await upload(memberId, db);
    const other = await createMember(db);
    const partial = await reserveUpload(db, other.memberId, 500);
    if (!('id' in partial)) throw new Error('refused');
    fs.writeFileSync(partial.path, 'PK half an upload');
    const stray = await uploadPath(db);
    fs.writeFileSync(stray, 'an upload cut off before it was reserved');
    const staging = path.join(importWorkDir(db), 'staging-crashed.jsonl');
    fs.writeFileSync(staging, 'a crashed import');
    // With a database server, other processes may be receiving: only files idle for twice the stall time go.
    const old = new Date(Date.now() - 10 * 60_000);
    for (const f of [waiting, partial.path, stray, staging]) fs.utimesSync(f, old, old);

    await runService(db, { web: false, worker: false, scheduler: false });
    expect(fs.existsSync(waiting)).toBe(true);
    expect([fs.existsSync(partial.path), fs.existsSync(stray)]).toEqual([false, false]);
    // The embedded database has one process: a staging file at start is a crash's. A server's waits for the sweep.
    expect(fs.existsSync(staging)).toBe(store === 'postgres');
    const rows = await db.db.select().from(archiveImports).where(eq(archiveImports.memberId, other.memberId));
    expect(rows).toEqual([]);
    expect('id' in (await reserveUpload(db, other.memberId, 500))).toBe(true);
  });
});
