// The response headers of production Open Humans (Django REST framework) and its S3 storage, as recorded in 2018.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import { apiUrl, authorizedMember, CLIENT, META, postForm, start, tokenRequest } from './helpers.ts';

let e: RunningOpenHumansEmulator;
beforeAll(async () => {
  e = await start();
  e.createProject(CLIENT);
});
afterAll(async () => e.close());

/** The headers every DRF API answer carried, with the endpoint's own Allow. */
function expectDrfHeaders(res: Response, allow: string): void {
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('allow')).toBe(allow);
  expect(res.headers.get('vary')).toBe('Accept, Accept-Language, Cookie');
  expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  expect(res.headers.get('content-language')).toBe('en');
  const date = res.headers.get('date');
  expect(date).toMatch(/GMT$/);
  // Never cached: Expires and Last-Modified are the response time (to the second, like Date).
  for (const name of ['expires', 'last-modified']) {
    const value = res.headers.get(name);
    expect(value).toMatch(/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(Math.abs(Date.parse(value!) - Date.parse(date!))).toBeLessThanOrEqual(1000);
  }
}

describe('Open Humans API headers', () => {
  it('exchange-member: GET, HEAD, OPTIONS; JSON without a charset', async () => {
    const { tokens } = await authorizedMember(e);
    const res = await fetch(apiUrl(e, 'exchange-member/', tokens.access_token));
    expect(res.status).toBe(200);
    expectDrfHeaders(res, 'GET, HEAD, OPTIONS');
    expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it('upload and delete: POST, OPTIONS, on success and on a 400 alike', async () => {
    const { id, tokens } = await authorizedMember(e);
    const upload = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
      filename: 'a.json',
      metadata: META,
    });
    expect(upload.status).toBe(201);
    expectDrfHeaders(upload, 'POST, OPTIONS');
    const { url } = (await upload.json()) as { url: string };

    const bad = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
      filename: 'a.json',
    });
    expect(bad.status).toBe(400);
    expectDrfHeaders(bad, 'POST, OPTIONS');

    // The storage PUT: no Content-Type at all, and S3's Server header.
    const put = await fetch(url, { method: 'PUT', body: new Blob(['[1]']) });
    expect(put.status).toBe(200);
    expect(put.headers.get('content-type')).toBeNull();
    expect(put.headers.get('server')).toBe('AmazonS3');
    expect(put.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await put.text()).toBe('');

    const del = await postForm(apiUrl(e, 'files/delete/', tokens.access_token), {
      project_member_id: id,
      all_files: 'true',
    });
    expect(del.status).toBe(200);
    expectDrfHeaders(del, 'POST, OPTIONS');
  });

  it('the token endpoint: JSON without a charset, Vary: Accept-Language, Cookie, no Allow', async () => {
    const res = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: 'nope' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('vary')).toBe('Accept-Language, Cookie');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-language')).toBe('en');
    expect(res.headers.get('allow')).toBeNull();
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });
});
