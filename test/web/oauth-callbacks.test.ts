// The OAuth callbacks against the two emulators (sandbox wiring): success, denial, forged state, a replayed
// code, a callback in a browser without our session, and a Moves account already linked to another member.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext, type AppContext } from '../../src/context.ts';
import { members, syncEvents } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { testConfig } from '../support/context.ts';
import { createTestDatabase } from '../support/database.ts';
import { csrfFrom, setCookie } from './support.ts';

let sandbox: Sandbox;
let ctx: AppContext;
let app: FastifyInstance;

beforeAll(async () => {
  const logger = createLogger('silent');
  const base = testConfig({ PORT: '0' });
  // testConfig has a SECRET_KEY but no upstream credentials: a sandbox configuration.
  sandbox = await startSandbox(base, { logger, persistStorage: false });
  ctx = await buildContext({
    config: sandbox.config,
    logger,
    database: await createTestDatabase('pglite'),
    boss: { schedule: false, supervise: false },
  });
  app = await buildWebApp(ctx);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await sandbox?.close();
});

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function startLogin(cookie?: string) {
  const res = await app.inject({ method: 'GET', url: '/login', headers: cookie ? { cookie } : {} });
  expect(res.statusCode).toBe(303);
  const location = new URL(String(res.headers.location));
  expect(location.origin).toBe(sandbox.openHumans.url);
  expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  return {
    cookie: setCookie(res)!,
    state: location.searchParams.get('state')!,
    challenge: location.searchParams.get('code_challenge')!,
  };
}

async function ohCode(state: string, challenge: string) {
  const { project_member_id } = sandbox.openHumans.createMember();
  const { code } = await post<{ code: string }>(
    `${sandbox.openHumans.url}/_control/members/${project_member_id}/authorize`,
    {
      client_id: sandbox.config.openHumans.clientId,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
  );
  return code;
}

async function signIn(): Promise<string> {
  const login = await startLogin();
  const code = await ohCode(login.state, login.challenge);
  const res = await app.inject({
    method: 'GET',
    url: `/complete?code=${encodeURIComponent(code)}&state=${encodeURIComponent(login.state)}&origin=external`,
    headers: { cookie: login.cookie },
  });
  expect(res.statusCode).toBe(303);
  return setCookie(res) ?? login.cookie;
}

async function startConnect(cookie: string) {
  const res = await app.inject({ method: 'GET', url: '/connect/moves', headers: { cookie } });
  expect(res.statusCode).toBe(303);
  const location = new URL(String(res.headers.location));
  expect(location.origin).toBe(sandbox.moves.url);
  return { cookie: setCookie(res) ?? cookie, state: location.searchParams.get('state')! };
}

async function movesCode(userId: string, state: string) {
  const { code } = await post<{ code: string }>(`${sandbox.moves.url}/_control/users/${userId}/authorize`, {
    client_id: sandbox.config.moves.clientId,
    scope: 'activity location',
    redirect_uri: sandbox.config.moves.redirectUri,
    state,
  });
  return code;
}

describe('Open Humans sign-in callback', () => {
  it('signs a member in with state and PKCE', async () => {
    const cookie = await signIn();
    const dash = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(dash.statusCode).toBe(200);
    expect(dash.body).toContain('Connect Moves');
  });

  it('explains a denial', async () => {
    const login = await startLogin();
    const res = await app.inject({
      method: 'GET',
      url: `/complete/?error=access_denied&state=${login.state}`,
      headers: { cookie: login.cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Sign-in cancelled');
  });

  it('ignores a forged state and still accepts the real callback', async () => {
    const login = await startLogin();
    const code = await ohCode(login.state, login.challenge);
    const forged = await app.inject({
      method: 'GET',
      url: `/complete?code=${code}&state=forged-state`,
      headers: { cookie: login.cookie },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('This sign-in link is not valid');
    const missing = await app.inject({
      method: 'GET',
      url: `/complete?code=${code}`,
      headers: { cookie: login.cookie },
    });
    expect(missing.statusCode).toBe(400);
    const real = await app.inject({
      method: 'GET',
      url: `/complete?code=${code}&state=${login.state}`,
      headers: { cookie: login.cookie },
    });
    expect(real.statusCode).toBe(303);
    expect(real.headers.location).toMatch(/^\/dashboard/);
  });

  it('explains a callback in a browser without our session', async () => {
    const res = await app.inject({ method: 'GET', url: '/complete?code=abc&state=def' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('This sign-in was started somewhere else');
  });

  it('refuses a replayed code', async () => {
    const login = await startLogin();
    const code = await ohCode(login.state, login.challenge);
    const first = await app.inject({
      method: 'GET',
      url: `/complete?code=${code}&state=${login.state}`,
      headers: { cookie: login.cookie },
    });
    expect(first.statusCode).toBe(303);
    // The same link again, in a browser that has started a new sign-in: Open Humans refuses the used code.
    const again = await startLogin();
    const replay = await app.inject({
      method: 'GET',
      url: `/complete?code=${code}&state=${again.state}`,
      headers: { cookie: again.cookie },
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('Open Humans did not accept the sign-in');
    expect(replay.body).not.toContain(code);
  });
});

describe('Moves connect callback', () => {
  it('explains a callback without a signed-in session', async () => {
    const res = await app.inject({ method: 'GET', url: '/moves_complete/?code=abc&state=def' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Please sign in first');
  });

  it('explains a denial and a forged state', async () => {
    const cookie = await signIn();
    const c = await startConnect(cookie);
    const forged = await app.inject({
      method: 'GET',
      url: '/moves_complete?code=x&state=nope',
      headers: { cookie: c.cookie },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('This Moves link is not valid');
    const denied = await app.inject({
      method: 'GET',
      url: `/moves_complete?error=access_denied&state=${c.state}`,
      headers: { cookie: c.cookie },
    });
    expect(denied.statusCode).toBe(200);
    expect(denied.body).toContain('Moves was not connected');
  });

  it('connects, queues the first sync, and refuses the same Moves account for another member', async () => {
    const { userId } = sandbox.moves.createUser({ firstDate: '20240101', timeZone: 'Europe/Berlin' });
    const a = await signIn();
    const ca = await startConnect(a);
    const ok = await app.inject({
      method: 'GET',
      url: `/moves_complete?code=${await movesCode(userId, ca.state)}&state=${ca.state}`,
      headers: { cookie: ca.cookie },
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/dashboard');
    const events = await ctx.db.select().from(syncEvents);
    expect(events.map((e) => e.details)).toContainEqual(expect.objectContaining({ reason: 'connect' }));

    const b = await signIn();
    const cb = await startConnect(b);
    const taken = await app.inject({
      method: 'GET',
      url: `/moves_complete?code=${await movesCode(userId, cb.state)}&state=${cb.state}`,
      headers: { cookie: cb.cookie },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('This Moves account belongs to another member');
    const dash = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: cb.cookie } });
    expect(dash.body).toContain('Connect Moves');
  });
});

describe('account deletion', () => {
  it('asks first, then leaves the Open Humans project and deletes everything held here', async () => {
    const cookie = await signIn();
    const confirm = await app.inject({ method: 'GET', url: '/account/delete/', headers: { cookie } });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Delete your account?');
    const token = csrfFrom(confirm.body);
    const session = setCookie(confirm) ?? cookie;
    const before = await ctx.db.select().from(members);
    const res = await app.inject({
      method: 'POST',
      url: '/account/delete',
      headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Account deleted');
    expect(res.body).toContain('You left this project on Open Humans.');
    expect(await ctx.db.select().from(members)).toHaveLength(before.length - 1);
    const after = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: session } });
    expect(after.statusCode).toBe(303);
  });
});
