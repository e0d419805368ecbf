// Helpers for web route tests: a member row, a signed-in session cookie, CSRF tokens scraped from pages, and the
// web app wired to a private database (alone, or with both emulators) with the OAuth steps against them.
import crypto from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { buildContext, type AppContext } from '../../src/context.ts';
import { members, movesAccounts } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { SESSION_COOKIE } from '../../src/web/session.ts';
import { createTestContext, testConfig, type TestContext } from '../support/context.ts';
import { createTestDatabase } from '../support/database.ts';

export async function insertMember(
  ctx: AppContext,
  p: { ohMemberId?: string; withMoves?: boolean; movesUserId?: string } = {},
): Promise<{ id: number; ohMemberId: string }> {
  const ohMemberId = p.ohMemberId ?? String(10_000_000 + crypto.randomInt(89_999_999));
  const [row] = await ctx.db
    .insert(members)
    .values({
      ohMemberId,
      ohAccessToken: ctx.cipher.encrypt('oh-access'),
      ohRefreshToken: ctx.cipher.encrypt('oh-refresh'),
      ohTokenExpiresAt: new Date(Date.now() + 3600_000),
    })
    .returning({ id: members.id });
  if (p.withMoves)
    await ctx.db.insert(movesAccounts).values({
      memberId: row!.id,
      movesUserId: p.movesUserId ?? String(BigInt(2) ** BigInt(60) + BigInt(row!.id)),
      accessToken: ctx.cipher.encrypt('moves-access'),
      refreshToken: ctx.cipher.encrypt('moves-refresh'),
      tokenExpiresAt: new Date(Date.now() + 3600_000),
      tokenIssuedAt: new Date(),
    });
  return { id: row!.id, ohMemberId };
}

/** A session cookie header for a signed-in member (plus any other session data). */
export function sessionCookie(app: FastifyInstance, data: Record<string, unknown>): string {
  const session = app.createSecureSession(data);
  return `${SESSION_COOKIE}=${encodeURIComponent(app.encodeSecureSession(session))}`;
}

/** The raw session cookie a response set (light-my-request decodes values, so read the raw header). */
export function setCookie(res: LightMyRequestResponse): string | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const mine = list.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return mine?.split(';')[0];
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** GETs a page as the session, returning its CSRF token and the (possibly updated) cookie. */
export async function pageToken(
  app: FastifyInstance,
  url: string,
  cookie: string,
): Promise<{ token: string; cookie: string }> {
  const res = await app.inject({ method: 'GET', url, headers: { cookie } });
  if (res.statusCode !== 200) throw new Error(`GET ${url} gave ${res.statusCode}`);
  return { token: csrfFrom(res.body), cookie: setCookie(res) ?? cookie };
}

/** POSTs a form carrying only its CSRF token, as the session. */
export function postCsrfForm(app: FastifyInstance, url: string, cookie: string, token: string) {
  return app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `_csrf=${encodeURIComponent(token)}`,
  });
}

/** The web app on a private test database, ready for `app.inject`. */
export interface TestWebApp {
  ctx: TestContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startTestWebApp(): Promise<TestWebApp> {
  const ctx = await createTestContext({});
  const app = await buildWebApp(ctx);
  await app.ready();
  return {
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

/** The web app wired to both emulators (sandbox configuration) on a private database. */
export interface WebSandbox {
  sandbox: Sandbox;
  ctx: AppContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** `logger` is the app's (the emulators stay silent); by default the app is silent too. */
export async function startWebSandbox(
  opts: { logger?: Logger; env?: Record<string, string> } = {},
): Promise<WebSandbox> {
  // testConfig has a SECRET_KEY but no upstream credentials: a sandbox configuration.
  const sandbox = await startSandbox(testConfig({ PORT: '0', ...opts.env }), {
    logger: createLogger('silent'),
    persistStorage: false,
  });
  const ctx = await buildContext({
    config: sandbox.config,
    sampleExports: sandbox.samples,
    logger: opts.logger ?? createLogger('silent'),
    database: await createTestDatabase('pglite'),
    boss: { schedule: false, supervise: false },
  });
  const app = await buildWebApp(ctx);
  await app.ready();
  return {
    sandbox,
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
      await sandbox.close();
    },
  };
}

/** GET /login: the session cookie, and the state and PKCE challenge of the redirect to Open Humans. */
export async function startLogin(web: WebSandbox, cookie?: string) {
  const res = await web.app.inject({ method: 'GET', url: '/login', headers: cookie ? { cookie } : {} });
  expect(res.statusCode).toBe(303);
  const location = new URL(String(res.headers.location));
  expect(location.origin).toBe(web.sandbox.openHumans.url);
  expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  return {
    cookie: setCookie(res)!,
    state: location.searchParams.get('state')!,
    challenge: location.searchParams.get('code_challenge')!,
  };
}

/** An Open Humans member (a new one unless given) who authorizes the project: the code the callback gets. */
export async function ohCode(
  web: WebSandbox,
  state: string,
  challenge: string,
  existingOhMemberId?: string,
): Promise<{ code: string; ohMemberId: string }> {
  const project_member_id = existingOhMemberId ?? web.sandbox.openHumans.createMember().project_member_id;
  const { code } = await web.sandbox.openHumans.control.authorize(project_member_id, {
    client_id: web.sandbox.config.openHumans.clientId,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return { code, ohMemberId: project_member_id };
}

/** A new Open Humans member signs in through the whole OAuth round trip: the signed-in session cookie. */
export async function signIn(web: WebSandbox): Promise<{ cookie: string; ohMemberId: string }> {
  const login = await startLogin(web);
  const { code, ohMemberId } = await ohCode(web, login.state, login.challenge);
  const res = await web.app.inject({
    method: 'GET',
    url: `/complete?code=${encodeURIComponent(code)}&state=${encodeURIComponent(login.state)}&origin=external`,
    headers: { cookie: login.cookie },
  });
  expect(res.statusCode).toBe(303);
  return { cookie: setCookie(res) ?? login.cookie, ohMemberId };
}

/** GET /connect/moves as the session: the (possibly updated) cookie and the state of the redirect to Moves. */
export async function startConnect(web: WebSandbox, cookie: string) {
  const res = await web.app.inject({ method: 'GET', url: '/connect/moves', headers: { cookie } });
  expect(res.statusCode).toBe(303);
  const location = new URL(String(res.headers.location));
  expect(location.origin).toBe(web.sandbox.moves.url);
  return { cookie: setCookie(res) ?? cookie, state: location.searchParams.get('state')! };
}

/** The Moves user authorizes the app: the code the callback gets. */
export async function movesCode(web: WebSandbox, userId: string, state: string): Promise<string> {
  const { code } = await web.sandbox.moves.control.authorize(userId, {
    client_id: web.sandbox.config.moves.clientId,
    scope: 'activity location',
    redirect_uri: web.sandbox.config.moves.redirectUri,
    state,
  });
  return code;
}
