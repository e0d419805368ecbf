// A signed-in session cookie for a member without the browser round trip: the web role's own sealing
// (src/web/session.ts sealSessionCookie: same plugin, key, options and CSRF secret as /complete), kept
// URL-encoded as in Set-Cookie — a decoded value can contain ';' and the session would not open.
import type { AppContext } from '../../src/context.ts';

export async function sessionCookieFor(ctx: AppContext, memberId: number): Promise<string> {
  const { sealSessionCookie } = await import('../../src/web/session.ts');
  return sealSessionCookie(ctx, memberId);
}
