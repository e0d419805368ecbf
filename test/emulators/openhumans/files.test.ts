import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import { apiUrl, authorizedMember, CLIENT, directUpload, META, postForm, start } from './helpers.ts';

let e: RunningOpenHumansEmulator;
let master: string;
beforeAll(async () => {
  e = await start();
  master = e.createProject(CLIENT).master_token;
});
afterAll(async () => e.close());

const controlFiles = (id: string) => e.control.files(id);

describe('direct upload', () => {
  it('stores the bytes in three steps and lists the file', async () => {
    const { id, tokens } = await authorizedMember(e);
    const fileId = await directUpload(e, tokens.access_token, 'moves.json', '[1,2,3]');
    const files = await controlFiles(id);
    expect(files).toEqual([
      expect.objectContaining({
        id: fileId,
        basename: 'moves.json',
        incomplete: false,
        size: 7,
        md5: createHash('md5').update('[1,2,3]').digest('hex'),
      }),
    ]);
    const res = await fetch(apiUrl(e, 'exchange-member/', tokens.access_token));
    const body = (await res.json()) as Record<string, unknown> & { data: Record<string, unknown>[] };
    expect(Object.keys(body)).toEqual([
      'count',
      'next',
      'previous',
      'created',
      'project_member_id',
      'sources_shared',
      'data',
    ]);
    expect(body.project_member_id).toBe(id);
    const entry = body.data[0] ?? {};
    expect(Object.keys(entry)).toEqual([
      'id',
      'basename',
      'created',
      'datatypes',
      'download_url',
      'metadata',
      'source',
      'source_project',
    ]);
    expect(entry.metadata).toEqual(JSON.parse(META));
    expect(entry.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const download = await fetch(entry.download_url as string);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('[1,2,3]');
  });

  it('refuses a PUT with a Content-Type like an S3 signature mismatch, and hides the incomplete file', async () => {
    const { id, tokens } = await authorizedMember(e);
    const r1 = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
      filename: 'a.json',
      metadata: META,
    });
    const { id: fileId, url } = (await r1.json()) as { id: number; url: string };
    const put = await fetch(url, {
      method: 'PUT',
      body: 'data',
      headers: { 'content-type': 'application/json' },
    });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const tampered = await fetch(url.replace(/Signature=[^&]+/, 'Signature=AAAA'), {
      method: 'PUT',
      body: new Blob(['x']),
    });
    expect(tampered.status).toBe(403);
    const complete = await postForm(apiUrl(e, 'files/upload/complete/', tokens.access_token), {
      file_id: String(fileId),
    });
    expect(complete.status).toBe(400);
    expect(await complete.json()).toEqual({ detail: 'file not present' });
    expect(await controlFiles(id)).toEqual([
      expect.objectContaining({ id: fileId, incomplete: true, size: null }),
    ]);
    const list = (await (await fetch(apiUrl(e, 'exchange-member/', tokens.access_token))).json()) as {
      count: number;
    };
    expect(list.count).toBe(0);
  });

  it('refuses an expired pre-signed URL', async () => {
    const { tokens } = await authorizedMember(e);
    const r1 = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
      filename: 'a.json',
      metadata: META,
    });
    const { url } = (await r1.json()) as { url: string };
    await e.control.configure({ clockOffsetMs: 7 * 3600 * 1000 });
    try {
      const put = await fetch(url, { method: 'PUT', body: new Blob(['x']) });
      expect(put.status).toBe(403);
      expect(await put.text()).toContain('Request has expired');
    } finally {
      await e.control.configure({ clockOffsetMs: 0 });
    }
  });

  it('fails the next PUTs on demand (status and dropped connection), then recovers', async () => {
    const { tokens } = await authorizedMember(e);
    const r1 = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
      filename: 'a.json',
      metadata: META,
    });
    const { id: fileId, url } = (await r1.json()) as { id: number; url: string };
    await e.control.configure({ faults: { put: { count: 1, status: 503 } } });
    expect((await fetch(url, { method: 'PUT', body: new Blob(['x']) })).status).toBe(503);
    await e.control.configure({ faults: { put: { count: 1, drop: true } } });
    await expect(fetch(url, { method: 'PUT', body: new Blob(['x']) })).rejects.toThrow();
    const ok = await fetch(url, { method: 'PUT', body: new Blob(['xyz']) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    await e.control.configure({ faults: { complete: { count: 1 } } });
    const failed = await postForm(apiUrl(e, 'files/upload/complete/', tokens.access_token), {
      file_id: String(fileId),
    });
    expect(failed.status).toBe(500);
    const done = await postForm(apiUrl(e, 'files/upload/complete/', tokens.access_token), {
      file_id: String(fileId),
    });
    expect(await done.json()).toEqual({ status: 'ok', size: 3 });
  });

  it('answers complete with the documented errors', async () => {
    const { tokens } = await authorizedMember(e);
    const url = apiUrl(e, 'files/upload/complete/', tokens.access_token);
    let res = await postForm(url, {});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: 'file does not exist' });
    res = await postForm(url, { file_id: '999999' });
    expect(res.status).toBe(404);
    res = await postForm(url, { file_id: 'abc' });
    expect(res.status).toBe(404);
  });

  it('validates metadata like the real form', async () => {
    const { tokens } = await authorizedMember(e);
    const url = apiUrl(e, 'files/upload/direct/', tokens.access_token);
    const cases: [unknown, string][] = [
      ['not json', 'could not parse the uploaded metadata'],
      [JSON.stringify({ tags: [] }), '"description" is a required field of the metadata'],
      [JSON.stringify({ description: 5, tags: [] }), '"description" must be a string'],
      [JSON.stringify({ description: 'x' }), '"tags" is a required field of the metadata'],
      [JSON.stringify({ description: 'x', tags: 'GPS' }), '"tags" must be an array of strings'],
      [
        JSON.stringify({ description: 'x', tags: [], start_date: 'yesterday' }),
        'Dates must be in ISO 8601 format',
      ],
      [JSON.stringify({ description: 'x', tags: [], md5: 'xyz' }), 'Invalid MD5 specified'],
      // A JSON object instead of a JSON string (in a JSON body) is refused like the real form does.
      [{ description: 'x', tags: [] }, 'could not parse the uploaded metadata'],
    ];
    for (const [metadata, message] of cases) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'f.json', metadata }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ metadata: [message] });
    }
    let res = await postForm(url, { metadata: META });
    expect(await res.json()).toEqual({ filename: ['This field is required.'] });
    const good = JSON.stringify({
      description: '',
      tags: [],
      start_date: '2016-01-04',
      end_date: '2016-01-10T00:00:00Z',
      md5: 'a'.repeat(32),
    });
    res = await postForm(url, { filename: 'f.json', metadata: good });
    expect(res.status).toBe(201);
    // Master token: project_member_id is required and must be an active member.
    res = await postForm(apiUrl(e, 'files/upload/direct/', master), { filename: 'f.json', metadata: META });
    expect(await res.json()).toEqual({ project_member_id: ['This field is required.'] });
    res = await postForm(apiUrl(e, 'files/upload/direct/', master), {
      filename: 'f.json',
      metadata: META,
      project_member_id: '00000000',
    });
    expect(await res.json()).toEqual({ project_member_id: 'project_member_id is invalid' });
  });

  it('accepts the legacy multipart upload', async () => {
    const { id, tokens } = await authorizedMember(e);
    const form = new FormData();
    form.set('metadata', META);
    form.set('data_file', new Blob(['legacy bytes']), 'legacy.txt');
    const res = await fetch(apiUrl(e, 'files/upload/', tokens.access_token), { method: 'POST', body: form });
    expect(res.status).toBe(201);
    const { id: fileId } = (await res.json()) as { id: number };
    expect(await controlFiles(id)).toEqual([
      expect.objectContaining({ id: fileId, basename: 'legacy.txt', size: 12 }),
    ]);
    const bad = new FormData();
    bad.set('metadata', META);
    const r2 = await fetch(apiUrl(e, 'files/upload/', tokens.access_token), { method: 'POST', body: bad });
    expect(r2.status).toBe(400);
    expect(await r2.json()).toEqual({ data_file: ['No file was submitted.'] });
  });
});

describe('pagination', () => {
  it('pages past 100 files with DRF next/previous links', async () => {
    const { id, tokens } = await authorizedMember(e);
    for (let i = 0; i < 105; i += 1) {
      const form = new FormData();
      form.set('metadata', META);
      form.set('data_file', new Blob([`file ${i}`]), `f${i}.txt`);
      const res = await fetch(apiUrl(e, 'files/upload/', tokens.access_token), {
        method: 'POST',
        body: form,
      });
      expect(res.status).toBe(201);
    }
    const base = `${e.url}/api/direct-sharing/project/exchange-member/`;
    type PageBody = { count: number; next: string | null; previous: string | null; data: { id: number }[] };
    const first = (await (await fetch(`${base}?access_token=${tokens.access_token}`)).json()) as PageBody;
    expect(first.count).toBe(105);
    expect(first.data).toHaveLength(100);
    expect(first.previous).toBeNull();
    expect(first.next).toBe(`${base}?access_token=${tokens.access_token}&limit=100&offset=100`);
    const second = (await (await fetch(first.next ?? '')).json()) as PageBody;
    expect(second.data).toHaveLength(5);
    expect(second.next).toBeNull();
    expect(second.previous).toBe(`${base}?access_token=${tokens.access_token}&limit=100`);
    const ids = [...first.data, ...second.data].map((f) => f.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    // Header auth: no access_token in the links; master token with project_member_id keeps both, sorted.
    const viaHeader = (await (
      await fetch(`${base}?limit=40&offset=80`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    ).json()) as PageBody;
    expect(viaHeader.previous).toBe(`${base}?limit=40&offset=40`);
    expect(viaHeader.next).toBeNull();
    const viaMaster = (await (
      await fetch(`${base}?project_member_id=${id}&access_token=${master}&limit=50`)
    ).json()) as PageBody;
    expect(viaMaster.next).toBe(`${base}?access_token=${master}&limit=50&offset=50&project_member_id=${id}`);
  });
});

describe('delete', () => {
  it('deletes by file_id, file_basename and all_files, with the documented errors', async () => {
    const { id, tokens } = await authorizedMember(e);
    const url = apiUrl(e, 'files/delete/', tokens.access_token);
    const a = await directUpload(e, tokens.access_token, 'a.json', 'a');
    const b1 = await directUpload(e, tokens.access_token, 'b.json', 'b');
    const b2 = await directUpload(e, tokens.access_token, 'b.json', 'bb');
    const c = await directUpload(e, tokens.access_token, 'c.json', 'c');
    const d = await directUpload(e, tokens.access_token, 'd.json', 'd');

    let res = await postForm(url, {});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      missing_field: 'one of file_id, file_basename, or all_files is required',
    });
    res = await postForm(url, { file_id: String(a), file_basename: 'a.json' });
    expect(await res.json()).toEqual({ too_many: 'one of file_id, file_basename, or all_files is required' });

    res = await postForm(url, { file_id: String(a) });
    expect(await res.json()).toEqual({ ids: [a] });
    res = await postForm(url, { file_basename: 'b.json' });
    expect(await res.json()).toEqual({ ids: [b1, b2] });
    res = await postForm(url, { file_basename: 'nothing.json' });
    expect(await res.json()).toEqual({ ids: [] });
    // Master token with JSON body.
    res = await fetch(apiUrl(e, 'files/delete/', master), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project_member_id: id, all_files: true }),
    });
    expect(await res.json()).toEqual({ ids: [c, d] });
    expect(await controlFiles(id)).toEqual([]);
  });
});

describe('messages and members', () => {
  it('records messages and validates recipients', async () => {
    const { id, tokens } = await authorizedMember(e);
    let res = await postForm(apiUrl(e, 'message/', tokens.access_token), { subject: 'Hi', message: 'Hello' });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe('success');
    res = await postForm(apiUrl(e, 'message/', master), { message: 'x' });
    expect(await res.json()).toEqual({
      errors: { __all__: ['You must specify either all members or provide a list of IDs.'] },
    });
    res = await postForm(apiUrl(e, 'message/', master), { message: 'x', project_member_ids: '1234' });
    expect(await res.json()).toEqual({
      errors: { project_member_ids: ['Project member IDs are always 8 digits long.'] },
    });
    res = await postForm(apiUrl(e, 'message/', master), { message: 'x', project_member_ids: id });
    expect(res.status).toBe(200);
    const messages = await e.control.messages();
    expect(messages.map((m) => m.projectMemberIds)).toEqual([[id], [id]]);

    res = await fetch(apiUrl(e, 'members/', master));
    const members = (await res.json()) as {
      count: number;
      results: { project_member_id: string; exchange_member: string }[];
    };
    expect(members.results.map((m) => m.project_member_id)).toContain(id);
    expect(members.results[0]?.exchange_member).toContain(`access_token=${master}`);
    res = await fetch(apiUrl(e, 'members/', tokens.access_token));
    expect(res.status).toBe(401);

    res = await postForm(apiUrl(e, 'remove-members/', tokens.access_token), {});
    expect(await res.json()).toBe('success');
    expect((await fetch(apiUrl(e, 'exchange-member/', tokens.access_token))).status).toBe(401);
  });

  it('answers 405 and APPEND_SLASH redirects like Django', async () => {
    let res = await fetch(apiUrl(e, 'files/upload/direct/'));
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ detail: 'Method "GET" not allowed.' });
    res = await fetch(`${e.url}/api/direct-sharing/project/exchange-member?access_token=x`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/api/direct-sharing/project/exchange-member/?access_token=x');
    res = await fetch(`${e.url}/api/direct-sharing/project/files/delete`, {
      method: 'POST',
      body: 'file_id=1',
      redirect: 'manual',
    });
    expect(res.status).toBe(301);
    expect(res.headers.get('x-emulator-warning')).toContain('body is lost');
    res = await fetch(`${e.url}/api/direct-sharing/project/files/delete`, {
      method: 'POST',
      body: 'file_id=1',
    });
    expect(res.status).toBe(405); // fetch followed the 301 as a GET: the body is gone
  });
});
