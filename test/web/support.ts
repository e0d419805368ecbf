// Helpers for web route tests: a member row, a signed-in session cookie, CSRF tokens scraped from pages.
import crypto from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AppContext } from '../../src/context.ts';
import { members, movesAccounts } from '../../src/db/schema.ts';
import { SESSION_COOKIE } from '../../src/web/session.ts';

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
