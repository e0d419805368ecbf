// Signed-in state lives in an encrypted cookie (@fastify/secure-session keyed with ctx.keys.session):
// the member id and its session version, the pending OAuth states, the CSRF secret and one-shot flash
// messages. No tokens. The version is checked against the member row on every request, so logout (which
// raises it: src/accounts/sessions.ts) ends the session on the server, copied cookies included.
import csrf from '@fastify/csrf-protection';
import secureSession, { type SecureSessionPluginOptions } from '@fastify/secure-session';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sessionIsCurrent } from '../accounts/index.ts';
import type { AppContext } from '../context.ts';
import type { Member } from '../accounts/index.ts';
import type { RemovalReport } from '../accounts/index.ts';

export interface PendingOhLogin {
  state: string;
  verifier: string;
  startedAt: number;
}
export interface PendingMovesConnect {
  state: string;
  startedAt: number;
}
export interface Flash {
  kind: 'info' | 'error';
  text: string;
  /** About a sync that is starting: the dashboard removes it once the sync has finished. */
  untilDone?: boolean;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    memberId: number;
    sessionVersion: number;
    ohLogin: PendingOhLogin;
    movesConnect: PendingMovesConnect;
    flash: Flash[];
    /** What the last disconnect or account deletion removed: its result page is a GET, so Back works. */
    removed: { kind: 'disconnect' | 'account'; report: RemovalReport };
    _csrf: string;
  }
}

export type MemberRow = Member;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route loads the member itself (in its own single query): the session preHandler skips it. */
    loadsOwnMember?: boolean;
    /** The route never looks at the member (/healthz): no query for it, whatever cookie comes along. */
    withoutMember?: boolean;
  }
  interface FastifyRequest {
    /** The signed-in member, loaded once per request (undefined when anonymous). */
    member: MemberRow | undefined;
  }
}

export const SESSION_COOKIE = 'ohmoves_session';
/** A pending OAuth round trip older than this is treated as expired. */
export const PENDING_LOGIN_MAX_AGE_MS = 30 * 60 * 1000;

/** What sealing and opening a session cookie needs from the context. */
export interface SessionKeys {
  keys: { session: Buffer };
  config: { appBaseUrl: string };
}

function sessionOptions(ctx: SessionKeys): SecureSessionPluginOptions {
  return {
    key: ctx.keys.session,
    cookieName: SESSION_COOKIE,
    expiry: 14 * 24 * 3600,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.config.appBaseUrl.startsWith('https://'),
      maxAge: 14 * 24 * 3600,
    },
  };
}

export async function registerSessions(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(secureSession, sessionOptions(ctx));
  app.decorateRequest('member', undefined);
  app.addHook('preHandler', async (request) => {
    const { loadsOwnMember, withoutMember } = request.routeOptions.config;
    if (loadsOwnMember || withoutMember) return;
    const id = request.session.get('memberId');
    if (typeof id !== 'number') return;
    const row = await ctx.accounts.member(id);
    if (row && sessionIsCurrent(row, request.session.get('sessionVersion'))) request.member = row;
    else signOut(request); // the account was deleted meanwhile, or the session was ended by a logout
  });
}

/** Marks the session signed in as the member, under the member's current session version. */
export function signIn(request: FastifyRequest, memberId: number, sessionVersion = 0): void {
  request.session.set('memberId', memberId);
  request.session.set('sessionVersion', sessionVersion);
}

/** Forgets the member in this session (the cookie stays for flash messages and CSRF). */
export function signOut(request: FastifyRequest): void {
  request.session.set('memberId', undefined);
  request.session.set('sessionVersion', undefined);
}

/**
 * The member a route loaded itself (loadsOwnMember), if this session may see it: the row exists and the
 * session's version is current. Otherwise the session is signed out.
 */
export function sessionMember<M extends { sessionVersion: number }>(
  request: FastifyRequest,
  member: M | undefined,
): M | undefined {
  if (member && sessionIsCurrent(member, request.session.get('sessionVersion'))) return member;
  if (request.session.get('memberId') !== undefined) signOut(request);
  return undefined;
}

export function addFlash(
  request: FastifyRequest,
  kind: Flash['kind'],
  text: string,
  opts: { untilDone?: boolean } = {},
): void {
  const list = request.session.get('flash') ?? [];
  request.session.set(
    'flash',
    [...list, { kind, text, ...(opts.untilDone ? { untilDone: true } : {}) }].slice(-5),
  );
}

export function takeFlash(request: FastifyRequest): Flash[] {
  const list = request.session.get('flash') ?? [];
  if (list.length) request.session.set('flash', undefined);
  return list;
}

/** preHandler for member pages: anonymous visitors go to the start page with a note. */
export async function requireMember(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.member) return;
  addFlash(request, 'info', 'Please sign in with Open Humans first.');
  await reply.redirect('/', 303);
}

/**
 * A `Cookie` header value for a signed-in member, sealed exactly as the app seals it after /complete (same
 * plugin, key and options, with a CSRF secret so the app need not re-seal it on the first page). For
 * benchmarks and tools that need a session without the OAuth round trip. The value stays URL-encoded as in
 * the Set-Cookie header: decoded, its ';' would end the cookie early and the session would be dropped.
 */
export async function sealSessionCookie(
  ctx: SessionKeys,
  memberId: number,
  sessionVersion = 0,
): Promise<string> {
  const app = Fastify();
  await app.register(secureSession, sessionOptions(ctx));
  await app.register(csrf, { sessionPlugin: '@fastify/secure-session' });
  app.get('/', async (request, reply) => {
    signIn(request, memberId, sessionVersion);
    await reply.generateCsrf();
    return '';
  });
  try {
    const res = await app.inject({ method: 'GET', url: '/' });
    const raw = res.headers['set-cookie'];
    const mine = (Array.isArray(raw) ? raw : raw ? [raw] : []).find((c) =>
      c.startsWith(`${SESSION_COOKIE}=`),
    );
    if (!mine) throw new Error('the session plugin set no cookie');
    return mine.split(';')[0]!;
  } finally {
    await app.close();
  }
}

/** The member id in a session cookie value (raw or URL-encoded), or undefined if it does not open. */
export async function memberIdInSessionCookie(ctx: SessionKeys, value: string): Promise<number | undefined> {
  const app = Fastify();
  await app.register(secureSession, sessionOptions(ctx));
  await app.ready();
  try {
    const raw = value.includes('%') ? decodeURIComponent(value) : value;
    const id = app.decodeSecureSession(raw)?.get('memberId');
    return typeof id === 'number' ? id : undefined;
  } finally {
    await app.close();
  }
}
