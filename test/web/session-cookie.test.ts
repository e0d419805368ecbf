// The supported way to make a signed-in session without the OAuth round trip (benchmarks, tools): a cookie
// sealed by the app's own session settings, accepted by a running app over real HTTP.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp } from '../../src/web/app.ts';
import { memberIdInSessionCookie, SESSION_COOKIE, sealSessionCookie } from '../../src/web/session.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { insertMember } from './support.ts';

let ctx: TestContext;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  ctx = await createTestContext({});
  app = await buildWebApp(ctx);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('sealSessionCookie', () => {
  it('signs a member in on the dashboard and its status endpoint, without re-sealing the cookie', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const cookie = await sealSessionCookie(ctx, m.id);
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(cookie).not.toContain(';');

    const page = await fetch(`${base}/dashboard`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your dashboard');
    // The CSRF secret is in the cookie already, so a page view does not need a new cookie.
    expect(page.headers.get('set-cookie')).toBeNull();

    const status = await fetch(`${base}/dashboard/status`, { headers: { cookie } });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { connected: boolean }).connected).toBe(true);
  });

  it('opens again to the same member, encoded or not', async () => {
    const cookie = await sealSessionCookie(ctx, 4242);
    const value = cookie.slice(cookie.indexOf('=') + 1);
    expect(await memberIdInSessionCookie(ctx, value)).toBe(4242);
    expect(await memberIdInSessionCookie(ctx, decodeURIComponent(value))).toBe(4242);
    expect(await memberIdInSessionCookie(ctx, 'garbage')).toBeUndefined();
  });

  it('is not accepted when its value is sent decoded (the benchmark failure: the raw ";" ends the cookie)', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const cookie = await sealSessionCookie(ctx, m.id);
    const decoded = decodeURIComponent(cookie);
    expect(decoded).toContain(';');
    const res = await fetch(`${base}/dashboard/status`, { headers: { cookie: decoded } });
    expect(res.status).toBe(401);
  });
});
