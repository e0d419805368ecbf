// The emulated browser session: a cookie naming the signed-in sandbox member, plus a CSRF token derived
// from the session id (HTML forms must not be postable from another site).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.ts';
import { randomHex } from './ids.ts';
import type { Member } from './state.ts';

const COOKIE = 'oh_emulator_session';

function readCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}

/** The session id, creating one (and its cookie) when the browser has none. */
export function ensureSession(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply): string {
  const id = readCookie(request);
  if (id && ctx.sessions.has(id)) return id;
  const fresh = randomHex(16);
  ctx.sessions.set(fresh, '');
  reply.header('Set-Cookie', `${COOKIE}=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
  return fresh;
}

export function signedInMember(ctx: EmulatorContext, request: FastifyRequest): Member | undefined {
  const id = readCookie(request);
  const memberId = id ? ctx.sessions.get(id) : undefined;
  return memberId ? ctx.state.members.get(memberId) : undefined;
}

export function signIn(ctx: EmulatorContext, sessionId: string, member: Member): void {
  ctx.sessions.set(sessionId, member.projectMemberId);
}

export function signOut(ctx: EmulatorContext, sessionId: string): void {
  ctx.sessions.set(sessionId, '');
}

export function csrfToken(ctx: EmulatorContext, sessionId: string): string {
  return createHmac('sha256', ctx.sessionSecret).update(sessionId).digest('hex');
}

export function csrfValid(ctx: EmulatorContext, request: FastifyRequest, token: unknown): boolean {
  const id = readCookie(request);
  if (!id || !ctx.sessions.has(id) || typeof token !== 'string') return false;
  const expected = Buffer.from(csrfToken(ctx, id));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
