// OAuth over HTTP: the PIN page flow, the token endpoint's parameter styles, single-use codes, rotation, expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, authorizeCode, CLIENT, exchange, parse, post, startHarness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.em.close());

const TOKEN_BODY =
  /^\{"access_token":"[A-Za-z0-9_]{64}","token_type":"bearer","expires_in":\d+,"refresh_token":"[A-Za-z0-9_]{64}","user_id":\d+\}$/;

describe('authorize page', () => {
  const authorizeUrl = (extra: Record<string, string>) =>
    `${h.em.url}/oauth/v1/authorize?${new URLSearchParams({ response_type: 'code', client_id: CLIENT.client_id, scope: 'activity location', ...extra })}`.replace(
      /scope=activity\+location/,
      'scope=activity%20location',
    );

  async function openPage(
    extra: Record<string, string> = {},
  ): Promise<{ html: string; requestId: string; res: Response }> {
    const res = await fetch(authorizeUrl(extra));
    const html = await res.text();
    return { html, requestId: /name="request_id" value="([0-9a-f]+)"/.exec(html)?.[1] ?? '', res };
  }

  it('shows an 8-digit PIN, approve/deny buttons, the users, a strict CSP and no script', async () => {
    const { html, res } = await openPage({ state: 's1' });
    expect(res.status).toBe(200);
    expect(html).toMatch(/class="pin" id="pin">\d{8}</);
    expect(html).toContain('Approve in the Moves app');
    expect(html).toContain('>Deny<');
    expect(html).toContain(`value="${h.userId}"`);
    expect(html).toContain('a new demo user');
    // The app is named as registered, not by its client id.
    expect(html).toContain('The application <strong>Test app</strong> asks');
    expect(html).not.toContain(CLIENT.client_id);
    expect(html).not.toMatch(/<script/i);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('approve redirects with code and state (extra query parameters kept); the code works', async () => {
    const { requestId } = await openPage({ state: 'st ate', redirect_uri: `${CLIENT.redirect_uris[0]}?x=1` });
    const res = await fetch(`${h.em.url}/oauth/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, user: h.userId, decision: 'approve' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(CLIENT.redirect_uris[0]);
    expect(loc.searchParams.get('x')).toBe('1');
    expect(loc.searchParams.get('state')).toBe('st ate');
    const code = loc.searchParams.get('code')!;
    const token = await exchange(h.em, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${CLIENT.redirect_uris[0]}?x=1`,
    });
    expect(token.status).toBe(200);
  });

  it('deny redirects with error=access_denied and state; a new demo user can approve', async () => {
    const { requestId } = await openPage({ state: 'abc' });
    const form = (decision: string, id: string, user = 'new') =>
      fetch(`${h.em.url}/oauth/v1/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request_id: id, user, decision }).toString(),
        redirect: 'manual',
      });
    const denied = await form('deny', requestId);
    expect(denied.headers.get('location')).toBe(`${CLIENT.redirect_uris[0]}?error=access_denied&state=abc`);
    const second = await openPage();
    const approved = await form('approve', second.requestId);
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const body = parse<{ user_id: string }>(
      await (await exchange(h.em, { grant_type: 'authorization_code', code })).text(),
    );
    expect(body.user_id).not.toBe(h.userId);
    // the request id is single use
    expect((await form('approve', second.requestId)).status).toBe(400);
  });

  it('invalid client or redirect_uri → 400 HTML page, never a redirect', async () => {
    const badClient = await fetch(`${h.em.url}/oauth/v1/authorize?client_id=nope&scope=activity`, {
      redirect: 'manual',
    });
    expect(badClient.status).toBe(400);
    expect(badClient.headers.get('content-type')).toMatch(/text\/html/);
    const badRedirect = await fetch(authorizeUrl({ redirect_uri: 'http://evil.example/cb' }), {
      redirect: 'manual',
    });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.get('location')).toBeNull();
    const badScope = await fetch(
      authorizeUrl({ scope: 'email', state: 'q' }).replace(/scope=[^&]+&?/, 'scope=email&'),
      { redirect: 'manual' },
    );
    expect(badScope.status).toBe(302);
    expect(badScope.headers.get('location')).toMatch(/error=invalid_scope/);
  });
});

describe('token endpoint', () => {
  it('query string, form body and JSON body are all accepted; headers as recorded', async () => {
    const q = await exchange(h.em, {
      grant_type: 'authorization_code',
      code: await authorizeCode(h.em, h.userId),
    });
    const qText = await q.text();
    expect(qText).toMatch(TOKEN_BODY);
    expect(q.headers.get('cache-control')).toBe('no-store');
    expect(q.headers.get('pragma')).toBe('no-cache');
    expect(q.headers.get('x-ratelimit-hourlimit')).toBeNull();
    const form = await fetch(`${h.em.url}/oauth/v1/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: await authorizeCode(h.em, h.userId),
        client_id: CLIENT.client_id,
        client_secret: CLIENT.client_secret,
      }).toString(),
    });
    expect(await form.text()).toMatch(TOKEN_BODY);
    const json = await fetch(
      `${h.em.url}/oauth/v1/access_token?grant_type=authorization_code&code=${await authorizeCode(h.em, h.userId)}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString('base64')}`,
        },
        body: '{}',
      },
    );
    expect(await json.text()).toMatch(TOKEN_BODY);
  });

  it('codes are single use', async () => {
    const code = await authorizeCode(h.em, h.userId);
    expect((await exchange(h.em, { grant_type: 'authorization_code', code })).status).toBe(200);
    const again = await exchange(h.em, { grant_type: 'authorization_code', code });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant', error_description: expect.any(String) });
  });

  it('error codes', async () => {
    const code = await authorizeCode(h.em, h.userId);
    const wrongSecret = await exchange(h.em, {
      grant_type: 'authorization_code',
      code,
      client_secret: 'nope',
    });
    expect(((await wrongSecret.json()) as { error: string }).error).toBe('invalid_client');
    const noGrant = await fetch(`${h.em.url}/oauth/v1/access_token`, { method: 'POST' });
    expect(((await noGrant.json()) as { error: string }).error).toBe('invalid_request');
    const weird = await exchange(h.em, { grant_type: 'password' });
    expect(((await weird.json()) as { error: string }).error).toBe('unsupported_grant_type');
    const badRedirect = await exchange(h.em, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://127.0.0.1:9/other',
    });
    expect(((await badRedirect.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refresh rotates: new pair, the old refresh token is dead, the old access token still works', async () => {
    const res = await exchange(h.em, { grant_type: 'refresh_token', refresh_token: h.refresh });
    const text = await res.text();
    expect(text).toMatch(TOKEN_BODY);
    const body = parse<{ access_token: string; refresh_token: string; user_id: string }>(text);
    expect(body.user_id).toBe(h.userId);
    expect(body.refresh_token).not.toBe(h.refresh);
    expect((await exchange(h.em, { grant_type: 'refresh_token', refresh_token: h.refresh })).status).toBe(
      400,
    );
    expect((await api({ em: h.em, token: body.access_token }, '/api/1.1/user/profile')).status).toBe(200);
    expect((await api(h, '/api/1.1/user/profile')).status).toBe(200);
    h.token = body.access_token;
    h.refresh = body.refresh_token;
  });

  it('tokeninfo', async () => {
    const ok = await fetch(`${h.em.url}/oauth/v1/tokeninfo?access_token=${h.token}`);
    const text = await ok.text();
    expect(text).toMatch(
      new RegExp(
        `^\\{"client_id":"${CLIENT.client_id}","user_id":${h.userId},"scope":"activity location","expires_in":\\d+\\}$`,
      ),
    );
    const bad = await fetch(`${h.em.url}/oauth/v1/tokeninfo?access_token=nope`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_token' });
  });
});

describe('lifetimes follow the time scale', () => {
  it('expires_in is real seconds; codes and tokens expire on the emulator clock', async () => {
    const local = await startHarness(undefined, { timeScale: 1000 });
    try {
      const code = await authorizeCode(local.em, local.userId);
      const res = parse<{ expires_in: number; access_token: string; refresh_token: string }>(
        await (
          await exchange(local.em, {
            grant_type: 'authorization_code',
            code: await authorizeCode(local.em, local.userId),
          })
        ).text(),
      );
      expect(res.expires_in).toBeGreaterThan(15_540);
      expect(res.expires_in).toBeLessThanOrEqual(15_552);
      // 10 emulated minutes = 0.6 s real: one real second later the code is gone.
      local.em.configure({ clockOffsetMs: 1000 });
      expect((await exchange(local.em, { grant_type: 'authorization_code', code })).status).toBe(400);
      // 180 emulated days = 4.32 real hours.
      local.em.configure({ clockOffsetMs: 5 * 3_600_000 });
      const expired = await api({ em: local.em, token: res.access_token }, '/api/1.1/user/profile');
      expect(expired.status).toBe(401);
      expect(expired.text).toBe('expired_access_token');
      const refreshed = await exchange(local.em, {
        grant_type: 'refresh_token',
        refresh_token: res.refresh_token,
      });
      expect(refreshed.status).toBe(200);
      const fresh = parse<{ access_token: string }>(await refreshed.text());
      expect((await api({ em: local.em, token: fresh.access_token }, '/api/1.1/user/profile')).status).toBe(
        200,
      );
    } finally {
      await local.em.close();
    }
  });

  it('revocation makes refresh fail', async () => {
    const local = await startHarness();
    try {
      await post(local.em, `/_control/users/${local.userId}/revoke`, {});
      const r = await exchange(local.em, { grant_type: 'refresh_token', refresh_token: local.refresh });
      expect(r.status).toBe(400);
    } finally {
      await local.em.close();
    }
  });
});
