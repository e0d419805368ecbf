import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import {
  apiUrl,
  authorizedMember,
  basic,
  CLIENT,
  hiddenFields,
  start,
  tokenRequest,
  type Tokens,
} from './helpers.ts';

let e: RunningOpenHumansEmulator;
beforeAll(async () => {
  e = await start();
  e.createProject({ ...CLIENT, name: 'Moves connector' });
});
afterAll(async () => e.close());

const AUTHORIZE = '/direct-sharing/projects/oauth2/authorize/';

/** A tiny browser: keeps the session cookie and never follows redirects on its own. */
class Browser {
  cookie = '';
  async get(path: string): Promise<Response> {
    const res = await fetch(`${e.url}${path}`, {
      redirect: 'manual',
      headers: this.cookie ? { cookie: this.cookie } : {},
    });
    this.keep(res);
    return res;
  }
  async post(path: string, form: Record<string, string>): Promise<Response> {
    const res = await fetch(`${e.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
    this.keep(res);
    return res;
  }
  private keep(res: Response) {
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
  }
}

async function signInAndConsent(b: Browser, query: string): Promise<Record<string, string>> {
  let res = await b.get(`${AUTHORIZE}?${query}`);
  expect(res.status).toBe(302);
  const login = res.headers.get('location') ?? '';
  expect(login).toMatch(/^\/account\/login\/\?next=/);
  res = await b.get(login);
  expect(res.status).toBe(200);
  const page = await res.text();
  // No script, no inline style; the one stylesheet is the emulator's own (style-src 'self').
  expect(page).not.toMatch(/<script|style=/i);
  expect([...page.matchAll(/<link[^>]*>/g)].map((m) => m[0])).toEqual([
    '<link rel="stylesheet" href="/static/emulator.css">',
  ]);
  expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  const loginFields = hiddenFields(page);
  res = await b.post('/account/login/', {
    ...loginFields,
    username: `user${Math.random().toString(36).slice(2, 8)}`,
  });
  expect(res.status).toBe(302);
  res = await b.get(res.headers.get('location') ?? '');
  expect(res.status).toBe(200);
  const consent = await res.text();
  expect(consent).toContain('Authorize');
  expect(consent).toContain('Deny');
  expect(consent).toContain('Moves connector');
  return hiddenFields(consent);
}

describe('OAuth2 authorization through the HTML pages', () => {
  it('signs in, consents, exchanges the code, rotates and revokes', async () => {
    const b = new Browser();
    const fields = await signInAndConsent(b, `client_id=${CLIENT.client_id}&response_type=code&state=s%201`);
    let res = await b.post(AUTHORIZE, { ...fields, allow: 'Authorize' });
    expect(res.status).toBe(302);
    const redirect = new URL(res.headers.get('location') ?? '');
    expect(`${redirect.origin}${redirect.pathname}`).toBe(CLIENT.redirect_uri);
    expect(redirect.searchParams.get('state')).toBe('s 1');
    expect(redirect.searchParams.get('origin')).toBe('external');
    const code = redirect.searchParams.get('code') ?? '';
    expect(code).toMatch(/^[A-Za-z0-9]{30}$/);

    res = await tokenRequest(e, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT.redirect_uri,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const raw = await res.text();
    expect(raw).toMatch(
      /^\{"access_token": "[A-Za-z0-9]{30}", "expires_in": 36000, "token_type": "Bearer", "refresh_token": "[A-Za-z0-9]{30}", "scope": "[a-z -]+"\}$/,
    );
    const first = JSON.parse(raw) as Tokens;

    // Codes are single-use.
    res = await tokenRequest(e, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT.redirect_uri,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('{"error": "invalid_grant"}');

    const me = await fetch(apiUrl(e, 'exchange-member/', first.access_token));
    expect(me.status).toBe(200);
    const member = (await me.json()) as { project_member_id: string };
    expect(member.project_member_id).toMatch(/^\d{8}$/);

    // Rotation: the new pair works, the old refresh token and the old access token do not.
    res = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(res.status).toBe(200);
    const second = (await res.json()) as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    res = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('{"error": "invalid_grant"}');
    const old = await fetch(apiUrl(e, 'exchange-member/', first.access_token));
    expect(old.status).toBe(401);
    expect(await old.json()).toEqual({ detail: 'Invalid token.' });
    expect(old.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect((await fetch(apiUrl(e, 'exchange-member/', second.access_token))).status).toBe(200);

    // A second authorize with the session cookie and a live token skips both pages (approval_prompt=auto).
    res = await b.get(`${AUTHORIZE}?client_id=${CLIENT.client_id}&response_type=code`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:1\/complete\?code=[A-Za-z0-9]{30}&origin=external$/,
    );
    // approval_prompt=force shows the consent page again.
    res = await b.get(`${AUTHORIZE}?client_id=${CLIENT.client_id}&response_type=code&approval_prompt=force`);
    expect(res.status).toBe(200);

    // Revocation of the refresh token kills its access token too.
    res = await fetch(`${e.url}/oauth2/revoke_token/`, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${second.refresh_token}&token_type_hint=refresh_token`,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect((await fetch(apiUrl(e, 'exchange-member/', second.access_token))).status).toBe(401);
    res = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: second.refresh_token });
    expect(await res.text()).toBe('{"error": "invalid_grant"}');
  });

  it('denies with error=access_denied and the state', async () => {
    const b = new Browser();
    const fields = await signInAndConsent(b, `client_id=${CLIENT.client_id}&response_type=code&state=abc`);
    const res = await b.post(AUTHORIZE, { ...fields, deny: 'Deny' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${CLIENT.redirect_uri}?error=access_denied&state=abc`);
  });

  it('logs the browser out of Open Humans after a confirmation form', async () => {
    const b = new Browser();
    const fields = await signInAndConsent(b, `client_id=${CLIENT.client_id}&response_type=code`);
    let res = await b.get('/account/logout/');
    const page = await res.text();
    expect(page).toContain('Log out of Open Humans');
    const refused = await b.post('/account/logout/', { csrfmiddlewaretoken: 'forged' });
    expect(refused.status).toBe(403);
    res = await b.post('/account/logout/', hiddenFields(page));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are not signed in to Open Humans');
    // Signed out: the consent page now asks for a sign-in first.
    res = await b.post(AUTHORIZE, { ...fields, allow: 'Authorize' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/account/login/');
  });

  it('refuses a consent post without the CSRF token', async () => {
    const b = new Browser();
    const fields = await signInAndConsent(b, `client_id=${CLIENT.client_id}&response_type=code`);
    const res = await b.post(AUTHORIZE, { ...fields, csrfmiddlewaretoken: 'forged', allow: 'Authorize' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('404s an unknown client and shows an error page for a mismatching redirect_uri', async () => {
    let res = await fetch(`${e.url}${AUTHORIZE}?client_id=nope&response_type=code`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    res = await fetch(
      `${e.url}${AUTHORIZE}?client_id=${CLIENT.client_id}&response_type=code&redirect_uri=http://evil.example/`,
      {
        redirect: 'manual',
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Mismatching redirect URI.');
  });

  it('checks PKCE S256 at the token endpoint', async () => {
    const verifier = 'a'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { project_member_id: id } = e.createMember();
    const auth = async () =>
      (await e.control.authorize(id, { client_id: CLIENT.client_id, code_challenge: challenge })).code;
    let code = await auth();
    let res = await tokenRequest(e, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT.redirect_uri,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(
      '{"error": "invalid_request", "error_description": "Code verifier required."}',
    );
    res = await tokenRequest(e, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT.redirect_uri,
      code_verifier: 'b'.repeat(50),
    });
    expect(await res.text()).toBe('{"error": "invalid_grant"}');
    code = await auth();
    res = await tokenRequest(e, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLIENT.redirect_uri,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
  });

  it('answers the documented token errors', async () => {
    let res = await tokenRequest(
      e,
      { grant_type: 'authorization_code', code: 'x' },
      basic(CLIENT.client_id, 'wrong'),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_client"');
    expect(await res.text()).toBe('{"error": "invalid_client"}');
    res = await tokenRequest(e, { grant_type: 'password' });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('{"error": "unsupported_grant_type"}');
    res = await tokenRequest(e, { grant_type: 'authorization_code' });
    expect(await res.text()).toBe(
      '{"error": "invalid_request", "error_description": "Missing code parameter."}',
    );
    // Client credentials in the body work too.
    const { project_member_id: id } = e.createMember();
    const { code } = await e.control.authorize(id, { client_id: CLIENT.client_id });
    res = await tokenRequest(
      e,
      { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:1/other' },
      '',
    );
    expect(res.status).toBe(401);
    res = await fetch(`${e.url}/oauth2/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...CLIENT,
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'http://127.0.0.1:1/other',
      }).toString(),
    });
    expect(await res.text()).toBe(
      '{"error": "invalid_request", "error_description": "Mismatching redirect URI."}',
    );
  });

  it('authenticates the project API as the reference table says', async () => {
    const { tokens } = await authorizedMember(e);
    const url = apiUrl(e, 'exchange-member/');
    const cases: [Record<string, string>, string, string][] = [
      [{}, '', 'Authentication credentials were not provided.'],
      [{ authorization: 'Bearer' }, '', 'Invalid token header. No credentials provided.'],
      [{ authorization: 'Bearer a b' }, '', 'Invalid token header. Token string should not contain spaces.'],
      [{ authorization: 'Bearer nope' }, '', 'Invalid token.'],
      // The query parameter wins over the header.
      [{ authorization: `Bearer ${tokens.access_token}` }, '?access_token=nope', 'Invalid token.'],
    ];
    for (const [headers, query, detail] of cases) {
      const res = await fetch(`${url}${query}`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(await res.json()).toEqual({ detail });
    }
    const ok = await fetch(`${url}?access_token=${tokens.access_token}`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(ok.status).toBe(200);
    expect((await fetch(url, { headers: { authorization: `bearer ${tokens.access_token}` } })).status).toBe(
      200,
    );
  });

  it('expires access tokens after 10 hours of the emulator clock', async () => {
    const { tokens } = await authorizedMember(e);
    await e.control.configure({ clockOffsetMs: 36_001_000 });
    try {
      const res = await fetch(apiUrl(e, 'exchange-member/', tokens.access_token));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: 'Expired token.' });
      // The refresh token still works and yields a fresh 10 hours.
      const r = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(((await r.json()) as Tokens).expires_in).toBe(36000);
    } finally {
      await e.control.configure({ clockOffsetMs: 0 });
    }
  });
});
