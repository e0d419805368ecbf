// Bringing your own export through the website: the page, the sandbox's sample export, a multipart upload (CSRF,
// size limit, not-an-archive), the member's job importing and publishing it, and a second upload of the same
// archive that changes and publishes nothing.
import fs from 'node:fs';
import path from 'node:path';
import type { Job } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../src/archive/index.ts';
import { importWorkDir } from '../../src/archive/import-archive.ts';
import { handleSyncMember } from '../../src/jobs/handlers.ts';

import { uploadLegacyStoryline } from '../support/legacy-file.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import type { TestContext } from '../support/context.ts';
import { csrfFrom, setCookie, signIn, startWebSandbox, type WebSandbox } from './support.ts';

let web: WebSandbox;

beforeAll(async () => {
  web = await startWebSandbox({ env: { IMPORT_MAX_BYTES: String(4 * 1024 * 1024) } });
});
afterAll(async () => {
  await web?.close();
});

async function multipart(fields: Record<string, string>, file?: { name: string; data: Buffer }) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file) fd.append('archive', new Blob([new Uint8Array(file.data)]), file.name);
  const req = new Request('http://localhost/', { method: 'POST', body: fd });
  return { payload: Buffer.from(await req.arrayBuffer()), contentType: req.headers.get('content-type')! };
}

async function upload(cookie: string, file: { name: string; data: Buffer }, opts: { csrf?: boolean } = {}) {
  const page = await web.app.inject({ method: 'GET', url: '/import', headers: { cookie } });
  const c = setCookie(page) ?? cookie;
  const body = await multipart(opts.csrf === false ? {} : { _csrf: csrfFrom(page.body) }, file);
  return web.app.inject({
    method: 'POST',
    url: '/import',
    headers: { cookie: c, 'content-type': body.contentType },
    payload: body.payload,
  });
}

async function runMemberJob(memberId: number) {
  await handleSyncMember(web.ctx, {
    id: 'test',
    data: { memberId, reason: 'import' },
  } as Job<unknown>);
}

async function publishedDays(memberId: number): Promise<{ count: number; days: string[] }> {
  const ctx = web.ctx as TestContext;
  const m = await ctx.openHumans.exchangeMember(await ctx.accounts.ohAccessToken(memberId));
  const files = m.files.filter((f) => f.basename === STORYLINE_FILENAME);
  if (files.length === 0) return { count: 0, days: [] };
  const chunks: Buffer[] = [];
  for await (const c of await ctx.openHumans.download(files[0]!.downloadUrl)) chunks.push(c as Buffer);
  const days = JSON.parse(Buffer.concat(chunks).toString()) as unknown[];
  return { count: files.length, days: days.map((d) => JSON.stringify(d)) };
}

async function archiveDays(file: string): Promise<string[]> {
  const a = await openArchive(file);
  const out: string[] = [];
  for await (const item of a.items())
    if (item.kind === 'day') out.push(JSON.stringify(JSON.parse(item.text)));
  await a.close();
  return out;
}

describe('importing an export on the website', () => {
  it('uploads the sample export, imports and publishes it; the same archive again publishes nothing', async () => {
    const { cookie, ohMemberId } = await signIn(web);
    const memberId = (await web.ctx.accounts.findMemberByOhId(ohMemberId))!;

    const page = await web.app.inject({ method: 'GET', url: '/import', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Moves shut down in July 2018');
    expect(page.body).toContain('Download a sample export');
    const dashboard = await web.app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(dashboard.body).toContain('href="/import"');
    expect(dashboard.body).toContain('id="import-status" data-status-url="/import/status"');

    const sample = await web.app.inject({ method: 'GET', url: '/import/sample', headers: { cookie } });
    expect(sample.statusCode).toBe(200);
    expect(sample.headers['content-disposition']).toContain('moves_export.zip');
    const data = sample.rawPayload;
    const local = path.join(web.sandbox.config.dataDir, 'sample-copy.zip');
    fs.writeFileSync(local, data);
    const expected = await archiveDays(local);
    expect(expected.length).toBeGreaterThan(50);

    const res = await upload(cookie, { name: 'moves_export.zip', data });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/import');
    const uploads = () => fs.readdirSync(importWorkDir(web.ctx)).filter((n) => n.startsWith('upload-'));
    expect(uploads()).toHaveLength(1);
    const pending = await web.app.inject({ method: 'GET', url: '/import/status', headers: { cookie } });
    expect(pending.json()).toMatchObject({ state: 'pending', busy: true, fileName: 'moves_export.zip' });

    await runMemberJob(memberId);
    expect(uploads()).toEqual([]);
    const published = await publishedDays(memberId);
    expect(published.count).toBe(1);
    expect(published.days).toEqual(expected);
    const done = (await web.app.inject({ method: 'GET', url: '/import/status', headers: { cookie } })).json();
    expect(done).toMatchObject({ state: 'published', busy: false });
    expect(done.details.join(' ')).toContain(`Days imported: ${expected.length}`);

    const ohStats = async () => (await web.sandbox.openHumans.control.stats()).bytesUploaded;
    const uploadedBefore = await ohStats();
    const again = await upload(cookie, { name: 'moves_export.zip', data });
    expect(again.statusCode).toBe(303);
    await runMemberJob(memberId);
    expect(await ohStats()).toBe(uploadedBefore);
    const second = (
      await web.app.inject({ method: 'GET', url: '/import/status', headers: { cookie } })
    ).json();
    expect(second).toMatchObject({ state: 'unchanged', busy: false });
    expect(second.details.join(' ')).toContain(`Days already current: ${expected.length}`);
    expect((await publishedDays(memberId)).days).toEqual(expected);
  });

  it("merges with the original app's file on Open Humans and replaces it rather than adding a second", async () => {
    const { cookie, ohMemberId } = await signIn(web);
    const memberId = (await web.ctx.accounts.findMemberByOhId(ohMemberId))!;
    // What the original app left: a file of ours with two days from 2015 that the export does not hold.
    const original = JSON.stringify([
      { date: '20150601', summary: null, segments: null, lastUpdate: '20150602T000000Z' },
      { date: '20150602', summary: null, segments: null, lastUpdate: '20150603T000000Z' },
    ]);
    const token = await web.ctx.accounts.ohAccessToken(memberId);
    await uploadLegacyStoryline(web.ctx, token, original);
    const sample = await web.app.inject({ method: 'GET', url: '/import/sample', headers: { cookie } });
    const local = path.join(web.sandbox.config.dataDir, 'sample-merge.zip');
    fs.writeFileSync(local, sample.rawPayload);
    const fromArchive = await archiveDays(local);

    expect((await upload(cookie, { name: 'moves_export.zip', data: sample.rawPayload })).statusCode).toBe(
      303,
    );
    await runMemberJob(memberId);
    const published = await publishedDays(memberId);
    expect(published.count).toBe(1);
    expect(published.days).toEqual([
      ...(JSON.parse(original) as unknown[]).map((d) => JSON.stringify(d)),
      ...fromArchive,
    ]);
  });

  it('refuses an upload without the CSRF token, one that is not an archive, and one over the limit', async () => {
    const { cookie, ohMemberId } = await signIn(web);
    const memberId = (await web.ctx.accounts.findMemberByOhId(ohMemberId))!;
    const noToken = await upload(
      cookie,
      { name: 'x.zip', data: Buffer.from('PK\u0003\u0004') },
      { csrf: false },
    );
    expect(noToken.statusCode).toBe(403);
    const text = await upload(cookie, { name: 'notes.txt', data: Buffer.from('my Moves notes') });
    expect(text.statusCode).toBe(415);
    expect(text.body).toContain('neither a zip archive nor a JSON storyline file');
    const big = await upload(cookie, { name: 'huge.zip', data: Buffer.alloc(5 * 1024 * 1024, 0x50) });
    expect(big.statusCode).toBe(413);
    expect(big.body).toContain('That file is too large');
    const status = (
      await web.app.inject({ method: 'GET', url: '/import/status', headers: { cookie } })
    ).json();
    expect(status.state).toBe('none');
    expect(fs.readdirSync(importWorkDir(web.ctx)).filter((n) => n.startsWith('upload-'))).toEqual([]);
    expect((await publishedDays(memberId)).count).toBe(0);
  });

  it('reports a hostile archive as a failed import that stored and published nothing', async () => {
    const { cookie, ohMemberId } = await signIn(web);
    const memberId = (await web.ctx.accounts.findMemberByOhId(ohMemberId))!;
    // A JSON array whose first day nests 10,000 levels deep.
    const deep = `[{"date":"20160104","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}]`;
    const res = await upload(cookie, { name: 'deep.json', data: Buffer.from(deep) });
    expect(res.statusCode).toBe(303);
    await runMemberJob(memberId);
    const status = (
      await web.app.inject({ method: 'GET', url: '/import/status', headers: { cookie } })
    ).json();
    expect(status.state).toBe('failed');
    expect(status.words).toMatch(/nests deeper than 32 levels.*Nothing was stored or published/);
    expect((await publishedDays(memberId)).count).toBe(0);
  });
});
