// The Open Humans client against the Open Humans emulator: OAuth2, pagination, direct upload and its failures,
// delete, download, and how failures map to our errors.
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenHumansConfigPatch } from '../../emulators/openhumans/client.ts';
import type { RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { OpenHumansClient, type OhTokens } from '../../src/openhumans/client.ts';
import { createMetrics } from '../../src/metrics.ts';
import { AuthRefusedError, UpstreamError } from '../../src/upstream/errors.ts';
import { APP_BASE_URL, OH_CLIENT, ohCode, startOh } from './emulators.ts';

let oh: RunningOpenHumansEmulator;
const metrics = createMetrics();
let client: OpenHumansClient;

function makeClient(extra: Partial<ConstructorParameters<typeof OpenHumansClient>[0]> = {}) {
  return new OpenHumansClient({
    clientId: OH_CLIENT.client_id,
    clientSecret: OH_CLIENT.client_secret,
    baseUrl: oh.url,
    redirectUri: `${APP_BASE_URL}/complete`,
    metrics,
    ...extra,
  });
}

async function newMemberTokens(): Promise<{ memberId: string; tokens: OhTokens }> {
  const { project_member_id } = oh.createMember({
    username: `user${Math.random().toString(36).slice(2, 8)}`,
  });
  const tokens = await client.exchangeCode(await ohCode(oh.url, project_member_id));
  return { memberId: project_member_id, tokens };
}

const upload = (
  c: OpenHumansClient,
  token: string,
  content: string,
  filename = 'moves-storyline-data.json',
) =>
  c.uploadFile(token, {
    filename,
    metadata: { description: 'Moves GPS maps, locations, and steps data.', tags: ['GPS', 'Moves', 'steps'] },
    size: Buffer.byteLength(content),
    body: () => Readable.from([Buffer.from(content)]),
  });

const faults = (patch: OpenHumansConfigPatch) => oh.control.configure(patch);

beforeAll(async () => {
  oh = await startOh();
  client = makeClient();
});
afterAll(async () => {
  await oh?.close();
});

describe('OAuth2', () => {
  it('builds the authorize URL with state, PKCE and the redirect to /complete', () => {
    const url = new URL(client.authorizeUrl({ state: 's t', codeChallenge: 'abc' }));
    expect(url.pathname).toBe('/direct-sharing/projects/oauth2/authorize/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: OH_CLIENT.client_id,
      response_type: 'code',
      redirect_uri: `${APP_BASE_URL}/complete`,
      state: 's t',
      code_challenge: 'abc',
      code_challenge_method: 'S256',
    });
  });

  it('exchanges a code, refreshes with rotation, and refuses the used refresh token', async () => {
    const { memberId, tokens } = await newMemberTokens();
    expect(tokens.accessToken).not.toBe('');
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect((await client.exchangeMember(tokens.accessToken)).projectMemberId).toBe(memberId);

    const next = await client.refresh(tokens.refreshToken);
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect((await client.exchangeMember(next.accessToken)).projectMemberId).toBe(memberId);
    // Rotation: the old refresh token and the old access token are dead.
    await expect(client.refresh(tokens.refreshToken)).rejects.toBeInstanceOf(AuthRefusedError);
    await expect(client.exchangeMember(tokens.accessToken)).rejects.toBeInstanceOf(AuthRefusedError);
  });

  it('reads the token and API answers sent as production did: application/json without a charset', async () => {
    const { memberId, tokens } = await newMemberTokens();
    const raw = await fetch(`${oh.url}/api/direct-sharing/project/exchange-member/`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    await raw.arrayBuffer();
    expect(raw.headers.get('content-type')).toBe('application/json');
    const next = await client.refresh(tokens.refreshToken); // the token endpoint answers without a charset too
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect((await client.exchangeMember(next.accessToken)).projectMemberId).toBe(memberId);
  });

  it('refuses a bad code as AuthRefusedError and wrong client credentials as a plain, final error', async () => {
    await expect(client.exchangeCode('not-a-code')).rejects.toBeInstanceOf(AuthRefusedError);
    const wrong = makeClient({ clientSecret: 'wrong' });
    const { memberId } = await newMemberTokens();
    const err = await wrong.exchangeCode(await ohCode(oh.url, memberId)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).not.toBeInstanceOf(AuthRefusedError);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as Error).message).not.toContain('wrong');
  });

  it('supports PKCE', async () => {
    const { project_member_id } = oh.createMember();
    const verifier = 'v'.repeat(50);
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const code = await ohCode(oh.url, project_member_id, {
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const tokens = await client.exchangeCode(code, verifier);
    expect((await client.exchangeMember(tokens.accessToken)).projectMemberId).toBe(project_member_id);
  });
});

describe('files', () => {
  it('uploads with the three checked steps, lists across pages, downloads and deletes by id', async () => {
    const { memberId, tokens } = await newMemberTokens();
    const contents = ['[]', '[{"date":"20160101"}]', 'x'.repeat(70_000), 'a', 'bb'];
    const ids: number[] = [];
    for (const [i, c] of contents.entries()) {
      const r = await upload(client, tokens.accessToken, c, `file-${i}.json`);
      expect(r.size).toBe(Buffer.byteLength(c));
      ids.push(r.id);
    }
    const stored = await oh.control.files(memberId);
    expect(stored.map((f) => [f.id, f.size, f.incomplete])).toEqual(
      ids.map((id, i) => [id, Buffer.byteLength(contents[i]!), false]),
    );

    const paged = makeClient({ pageSize: 2 });
    const member = await paged.exchangeMember(tokens.accessToken);
    expect(member.files.map((f) => f.id).sort((a, b) => a - b)).toEqual(ids);
    const f2 = member.files.find((f) => f.id === ids[2])!;
    expect(f2.basename).toBe('file-2.json');
    expect(f2.metadata.tags).toEqual(['GPS', 'Moves', 'steps']);
    expect(await text(await client.download(f2.downloadUrl))).toBe(contents[2]);

    expect(await client.deleteFile(tokens.accessToken, { fileId: ids[0]! })).toEqual([ids[0]]);
    expect(await client.deleteFile(tokens.accessToken, { fileId: ids[0]! })).toEqual([]);
    expect(await client.deleteFile(tokens.accessToken, { basename: 'file-1.json' })).toEqual([ids[1]]);
    const left = await client.exchangeMember(tokens.accessToken);
    expect(left.files.map((f) => f.id).sort((a, b) => a - b)).toEqual(ids.slice(2));
    expect((await client.deleteFile(tokens.accessToken, { allFiles: true })).sort((a, b) => a - b)).toEqual(
      ids.slice(2),
    );
  });

  it('streams a large file without holding it and reports an expired download link as retryable', async () => {
    const { memberId, tokens } = await newMemberTokens();
    const chunk = Buffer.alloc(1 << 20, 'a');
    const chunks = 24;
    const { createHash } = await import('node:crypto');
    const md5 = createHash('md5');
    for (let i = 0; i < chunks; i++) md5.update(chunk);
    const r = await client.uploadFile(tokens.accessToken, {
      filename: 'big.json',
      metadata: { description: 'big', tags: [] },
      size: chunk.length * chunks,
      body: () =>
        Readable.from(
          (function* () {
            for (let i = 0; i < chunks; i++) yield chunk;
          })(),
        ),
    });
    expect(r.size).toBe(chunk.length * chunks);
    const stored = await oh.control.files(memberId);
    expect(stored.find((f) => f.id === r.id)?.md5).toBe(md5.digest('hex'));

    const [file] = (await client.exchangeMember(tokens.accessToken)).files;
    await faults({ faults: { expireDownloadUrls: true } });
    const err = await client.download(file!.downloadUrl).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(403);
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it('detects a failed PUT, a PUT that never arrived, and a failed completion', async () => {
    const { memberId, tokens } = await newMemberTokens();
    await faults({ faults: { put: { count: 1, status: 503 } } });
    const putErr = await upload(client, tokens.accessToken, '[1]').catch((e: unknown) => e);
    expect(putErr).toBeInstanceOf(UpstreamError);
    expect((putErr as UpstreamError).status).toBe(503);
    expect((putErr as UpstreamError).retryable).toBe(true);

    await faults({ faults: { put: { count: 1, drop: true } } });
    const dropErr = await upload(client, tokens.accessToken, '[2]').catch((e: unknown) => e);
    expect(dropErr).toBeInstanceOf(UpstreamError);

    await faults({ faults: { complete: { count: 1, status: 500 } } });
    const completeErr = await upload(client, tokens.accessToken, '[3]').catch((e: unknown) => e);
    expect(completeErr).toBeInstanceOf(UpstreamError);
    expect((completeErr as UpstreamError).retryable).toBe(true);

    // None of the failed uploads became a visible file; the next one works.
    expect((await client.exchangeMember(tokens.accessToken)).files).toEqual([]);
    const ok = await upload(client, tokens.accessToken, '[4]');
    const files = await oh.control.files(memberId);
    expect(files.filter((f) => !f.incomplete).map((f) => f.id)).toEqual([ok.id]);
  });

  it('refuses to send a body whose length differs from the announced size', async () => {
    const { tokens } = await newMemberTokens();
    const err = await client
      .uploadFile(tokens.accessToken, {
        filename: 'short.json',
        metadata: { description: 'd', tags: [] },
        size: 10,
        body: () => Readable.from([Buffer.from('[1]')]),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/not the announced 10/);
  });

  it('reports a rejected start of upload (bad metadata) as a final error', async () => {
    const { tokens } = await newMemberTokens();
    const err = await client
      .uploadFile(tokens.accessToken, {
        filename: 'x.json',
        metadata: { tags: [] },
        size: 1,
        body: () => Readable.from([Buffer.from('x')]),
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(400);
    expect((err as UpstreamError).retryable).toBe(false);
  });
});

describe('failures', () => {
  it('maps 5xx and timeouts to retryable errors and counts every request', async () => {
    const { tokens } = await newMemberTokens();
    await faults({
      faults: { endpoints: [{ pathPrefix: '/api/direct-sharing/project/exchange-member/', status: 502 }] },
    });
    const e5 = await client.exchangeMember(tokens.accessToken).catch((e: unknown) => e);
    expect(e5).toBeInstanceOf(UpstreamError);
    expect((e5 as UpstreamError).retryable).toBe(true);
    expect((e5 as UpstreamError).status).toBe(502);

    const quick = makeClient({ timeoutMs: 200 });
    await faults({
      faults: { endpoints: [{ pathPrefix: '/api/direct-sharing/project/exchange-member/', delayMs: 2000 }] },
    });
    const et = await quick.exchangeMember(tokens.accessToken).catch((e: unknown) => e);
    expect(et).toBeInstanceOf(UpstreamError);
    expect((et as UpstreamError).retryable).toBe(true);
    expect((et as UpstreamError).status).toBeNull();
    expect((et as Error).message).toMatch(/did not answer/);
    expect((et as Error).message).not.toContain(tokens.accessToken);

    const counted = await metrics.upstreamRequests.get();
    const by = (status: string) =>
      counted.values.find((v) => v.labels.service === 'openhumans' && v.labels.status === status)?.value ?? 0;
    expect(by('502')).toBeGreaterThanOrEqual(1);
    expect(by('timeout')).toBeGreaterThanOrEqual(1);
    expect(by('200')).toBeGreaterThan(5);
  });

  it('maps an unreachable server to a retryable error', async () => {
    const dead = new OpenHumansClient({
      clientId: 'x',
      clientSecret: 'y',
      baseUrl: 'http://127.0.0.1:9',
      redirectUri: 'http://127.0.0.1/complete',
    });
    const err = await dead.exchangeMember('token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(true);
  });

  it('sends messages and leaves the project; afterwards the token is refused', async () => {
    const { memberId, tokens } = await newMemberTokens();
    await client.message(tokens.accessToken, 'Hello', 'Your data is up to date.');
    const messages = await oh.control.messages();
    expect(JSON.stringify(messages)).toContain('Your data is up to date.');
    await client.removeMember(tokens.accessToken);
    const err = await client.exchangeMember(tokens.accessToken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthRefusedError);
    await expect(client.refresh(tokens.refreshToken)).rejects.toBeInstanceOf(AuthRefusedError);
    expect(memberId).toMatch(/^\d{8}$/);
  });
});
