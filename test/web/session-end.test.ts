// Logout and account deletion end the session on the server: a cookie copied before either (another browser,
// a stolen copy) is refused afterwards on every kind of route.
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { members } from '../../src/db/schema.ts';
import { sealSessionCookie } from '../../src/web/session.ts';
import { csrfFrom, postCsrfForm, setCookie, signIn, startWebSandbox, type WebSandbox } from './support.ts';

let web: WebSandbox;
let ctx: AppContext;
let app: FastifyInstance;

beforeAll(async () => {
  web = await startWebSandbox();
  ({ ctx, app } = web);
});

afterAll(async () => {
  await web?.close();
});

async function statusOf(cookie: string) {
  const poll = await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } });
  const page = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
  const confirm = await app.inject({ method: 'GET', url: '/account/delete/', headers: { cookie } });
  return { poll: poll.statusCode, page: page.statusCode, confirm: confirm.statusCode };
}

async function post(url: string, cookie: string, page: string) {
  const form = await app.inject({ method: 'GET', url: page, headers: { cookie } });
  const session = setCookie(form) ?? cookie;
  return postCsrfForm(app, url, session, csrfFrom(form.body));
}

async function memberIdOf(ohMemberId: string): Promise<number> {
  const [row] = await ctx.db.select().from(members).where(eq(members.ohMemberId, ohMemberId));
  return row!.id;
}

describe('ending a session', () => {
  it('refuses a cookie copied before logout, while a sign-in after it works', async () => {
    const { cookie, ohMemberId } = await signIn(web);
    const copy = cookie;
    expect(await statusOf(copy)).toEqual({ poll: 200, page: 200, confirm: 200 });

    const out = await post('/logout', cookie, '/logout');
    expect(out.statusCode).toBe(200);
    expect(out.body).toContain('You are logged out');

    expect(await statusOf(copy)).toEqual({ poll: 401, page: 303, confirm: 303 });
    // The refused cookie is signed out for good: the session it now carries names no member.
    const again = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: copy } });
    expect(again.headers.location).toBe('/');

    // A new sign-in is issued under the new version and is accepted.
    const id = await memberIdOf(ohMemberId);
    const [row] = await ctx.db.select().from(members).where(eq(members.id, id));
    expect(row!.sessionVersion).toBe(1);
    const fresh = await sealSessionCookie(ctx, id, row!.sessionVersion);
    expect(await statusOf(fresh)).toEqual({ poll: 200, page: 200, confirm: 200 });
    const stale = await sealSessionCookie(ctx, id, 0);
    expect((await statusOf(stale)).poll).toBe(401);
  });

  it('refuses a cookie copied before the account was deleted', async () => {
    const { cookie } = await signIn(web);
    const copy = cookie;
    const res = await post('/account/delete', cookie, '/account/delete/');
    expect(res.statusCode).toBe(303);
    const result = await app.inject({
      method: 'GET',
      url: '/account/deleted',
      headers: { cookie: setCookie(res)! },
    });
    expect(result.body).toContain('Account deleted');
    expect(await statusOf(copy)).toEqual({ poll: 401, page: 303, confirm: 303 });
  });
});
