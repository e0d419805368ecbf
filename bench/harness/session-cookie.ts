// A signed-in session cookie for a member without the browser round trip: the web role's own session plugin
// (@fastify/secure-session, same key and cookie name) seals { memberId } exactly as /complete does.
import secureSession from '@fastify/secure-session';
import Fastify from 'fastify';
import type { AppContext } from '../../src/context.ts';

export async function sessionCookieFor(ctx: AppContext, memberId: number): Promise<string> {
  const { SESSION_COOKIE } = await import('../../src/web/session.ts');
  const app = Fastify();
  await app.register(secureSession, {
    key: ctx.keys.session,
    cookieName: SESSION_COOKIE,
    cookie: { path: '/' },
  });
  app.get('/sign-in', async (request) => {
    request.session.set('memberId', memberId);
    return 'ok';
  });
  const res = await app.inject({ method: 'GET', url: '/sign-in' });
  await app.close();
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error('the session plugin set no cookie');
  return `${cookie.name}=${cookie.value}`;
}
