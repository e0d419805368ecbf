// Issuing and checking codes and tokens (the OAuth logic, apart from HTTP).
import { randomInt } from 'node:crypto';
import type { EmulatorContext } from './context.ts';
import type { AccessToken, Grant } from './store.ts';
import { newToken } from './store.ts';

export function issueCode(ctx: EmulatorContext, grant: Grant, given?: string): string {
  const code = newToken();
  const now = ctx.clock.now();
  ctx.store.sweep(now);
  ctx.store.codes.set(code, {
    grant,
    ...(given !== undefined ? { redirectUri: given } : {}),
    expiresAt: now + ctx.clock.scaled(ctx.config.behaviour.codeLifetimeSeconds * 1000),
    used: false,
  });
  return code;
}

export function newGrant(ctx: EmulatorContext, clientId: string, userId: string, scope: string[]): Grant {
  const grant: Grant = { clientId, userId, scope, revoked: false };
  ctx.store.grants.push(grant);
  return grant;
}

export function eightDigitPin(): string {
  return String(randomInt(0, 100_000_000)).padStart(8, '0');
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  userId: string;
}

export function issueTokens(ctx: EmulatorContext, grant: Grant): IssuedTokens {
  const now = ctx.clock.now();
  const accessToken = newToken();
  const refreshToken = newToken();
  const expiresAt = now + ctx.clock.scaled(ctx.config.behaviour.accessTokenLifetimeSeconds * 1000);
  ctx.store.accessTokens.set(accessToken, { grant, issuedAt: now, expiresAt, replaced: false });
  ctx.store.refreshTokens.set(refreshToken, { grant, used: false, accessToken });
  return { accessToken, refreshToken, expiresIn: secondsLeft(expiresAt, now), userId: grant.userId };
}

/** Real seconds left (team contract: clients need no knowledge of the time scale). */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.floor((expiresAt - now) / 1000));
}

/** The documented field order, user_id as a bare integer. */
export function tokenResponseBody(t: IssuedTokens): string {
  return `{"access_token":${JSON.stringify(t.accessToken)},"token_type":"bearer","expires_in":${t.expiresIn},"refresh_token":${JSON.stringify(t.refreshToken)},"user_id":${t.userId}}`;
}

export type TokenCheck =
  | { ok: true; token: AccessToken }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked'; token?: AccessToken };

export function checkAccessToken(ctx: EmulatorContext, raw: string | undefined): TokenCheck {
  if (!raw) return { ok: false, reason: 'missing' };
  const token = ctx.store.accessTokens.get(raw);
  if (!token) return { ok: false, reason: 'unknown' };
  if (token.grant.revoked || token.replaced) return { ok: false, reason: 'revoked', token };
  if (ctx.clock.now() >= token.expiresAt) return { ok: false, reason: 'expired', token };
  return { ok: true, token };
}

/** Bearer header first, then the access_token query parameter (§1, both allowed). */
export function tokenFromRequest(
  headers: Record<string, unknown>,
  query: Record<string, unknown>,
): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const q = query['access_token'];
  if (typeof q === 'string' && q) return q;
  if (Array.isArray(q) && typeof q[0] === 'string') return q[0];
  return undefined;
}
