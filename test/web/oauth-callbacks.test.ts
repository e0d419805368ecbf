// The OAuth callbacks against the two emulators (sandbox wiring): success, denial, forged state, a replayed
// code, a callback in a browser without our session, and a Moves account already linked to another member.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { desc } from 'drizzle-orm';
import { members, movesAccounts, storedWeeks, syncEvents } from '../../src/db/schema.ts';
import type { Sandbox } from '../../src/sandbox.ts';
import {
  csrfFrom,
  movesCode,
  ohCode,
  setCookie,
  signIn,
  startConnect,
  startLogin,
  startWebSandbox,
  type WebSandbox,
  postCsrfForm,
} from './support.ts';

let web: WebSandbox;
let sandbox: Sandbox;
let ctx: AppContext;
let app: FastifyInstance;

beforeAll(async () => {
  web = await startWebSandbox();
  ({ sandbox, ctx, app } = web);
});

afterAll(async () => {
  await web?.close();
});

describe('Open Humans sign-in callback', () => {
  it('signs a member in with state and PKCE', async () => {
    const { cookie } = await signIn(web);
    const dash = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(dash.statusCode).toBe(200);
    expect(dash.body).toContain('Connect Moves');
  });

  it('explains a denial', async () => {
    const login = await startLogin(web);
    const res = await app.inject({
      method: 'GET',
      url: `/complete/?error=access_denied&state=${login.state}`,
      headers: { cookie: login.cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Sign-in cancelled');
  });

  it('ignores a forged state and still accepts the real callback', async () => {
    const login = await startLogin(web);
    const { code } = await ohCode(web, login.state, login.challenge);
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
    const login = await startLogin(web);
    const { code } = await ohCode(web, login.state, login.challenge);
    const first = await app.inject({
      method: 'GET',
      url: `/complete?code=${code}&state=${login.state}`,
      headers: { cookie: login.cookie },
    });
    expect(first.statusCode).toBe(303);
    // The same link again, in a browser that has started a new sign-in: Open Humans refuses the used code.
    const again = await startLogin(web);
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
    const { cookie } = await signIn(web);
    const c = await startConnect(web, cookie);
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
    const { cookie: a } = await signIn(web);
    const ca = await startConnect(web, a);
    const ok = await app.inject({
      method: 'GET',
      url: `/moves_complete?code=${await movesCode(web, userId, ca.state)}&state=${ca.state}`,
      headers: { cookie: ca.cookie },
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/dashboard');
    const events = await ctx.db.select().from(syncEvents);
    expect(events.map((e) => e.details)).toContainEqual(expect.objectContaining({ reason: 'connect' }));

    // Back to the Moves page and approved again: not "started in another browser", but "already connected".
    const again = await app.inject({
      method: 'GET',
      url: `/moves_complete?code=${await movesCode(web, userId, ca.state)}&state=${ca.state}`,
      headers: { cookie: setCookie(ok) ?? ca.cookie },
    });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/dashboard');
    const note = await app.inject({
      method: 'GET',
      url: '/dashboard',
      headers: { cookie: setCookie(again) ?? ca.cookie },
    });
    expect(note.body).toContain('Moves is already connected: the second approval was not needed');
    expect(note.body).not.toContain('another browser');

    const { cookie: b } = await signIn(web);
    const cb = await startConnect(web, b);
    const taken = await app.inject({
      method: 'GET',
      url: `/moves_complete?code=${await movesCode(web, userId, cb.state)}&state=${cb.state}`,
      headers: { cookie: cb.cookie },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('This Moves account belongs to another member');
    const dash = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: cb.cookie } });
    expect(dash.body).toContain('Connect Moves');
  });
});

describe('signing in again after Open Humans refused our tokens', () => {
  it('clears the refusal and resumes the updates; an ordinary sign-in queues nothing', async () => {
    const { userId } = sandbox.moves.createUser({ firstDate: '20240101', timeZone: 'UTC' });
    const { cookie, ohMemberId } = await signIn(web);
    const c = await startConnect(web, cookie);
    const connected = await app.inject({
      method: 'GET',
      url: `/moves_complete?code=${await movesCode(web, userId, c.state)}&state=${c.state}`,
      headers: { cookie: c.cookie },
    });
    expect(connected.statusCode).toBe(303);
    const memberId = (await ctx.accounts.findMemberByOhId(ohMemberId))!;
    // No worker runs here: the first sync stays queued unless cancelled.
    expect(await ctx.queue.cancelQueuedSyncs(memberId)).toBe(1);
    const queued = async () => (await ctx.queue.liveSyncJobs(memberId)).length;
    const signInAgain = async () => {
      const login = await startLogin(web);
      const { code } = await ohCode(web, login.state, login.challenge, ohMemberId);
      const res = await app.inject({
        method: 'GET',
        url: `/complete?code=${encodeURIComponent(code)}&state=${encodeURIComponent(login.state)}`,
        headers: { cookie: login.cookie },
      });
      expect(res.statusCode).toBe(303);
    };

    await signInAgain();
    expect(await queued()).toBe(0);

    await ctx.accounts.markNeedsReconnect(memberId, 'openhumans');
    await signInAgain();
    expect((await ctx.accounts.member(memberId))?.ohNeedsReauth).toBe(false);
    expect(await queued()).toBe(1);
  });
});

describe('account deletion', () => {
  it('asks first, then leaves the Open Humans project and deletes everything held here', async () => {
    const { cookie } = await signIn(web);
    const [member] = await ctx.db.select().from(members).orderBy(desc(members.id)).limit(1);
    await ctx.db.insert(movesAccounts).values({
      memberId: member!.id,
      movesUserId: '98765432109876543',
      accessToken: ctx.cipher.encrypt('a'),
      refreshToken: ctx.cipher.encrypt('r'),
      tokenExpiresAt: new Date(Date.now() + 3600_000),
      tokenIssuedAt: new Date(),
    });
    await ctx.db.insert(storedWeeks).values(
      ['2024-W01', '2024-W02', '2024-W03'].map((week) => ({
        memberId: member!.id,
        week,
        daysJson: '[]',
        dayCount: 7,
        bytes: 2,
        complete: true,
      })),
    );
    const confirm = await app.inject({ method: 'GET', url: '/account/delete/', headers: { cookie } });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Delete your account?');
    expect(confirm.body).toContain('our copy of your Moves data (3 weeks)');
    const token = csrfFrom(confirm.body);
    const session = setCookie(confirm) ?? cookie;
    const before = await ctx.db.select().from(members);
    const res = await postCsrfForm(app, '/account/delete', session, token);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account/deleted');
    const result = await app.inject({
      method: 'GET',
      url: '/account/deleted',
      headers: { cookie: setCookie(res)! },
    });
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Account deleted');
    expect(result.body).toContain('You left this project on Open Humans.');
    // The result counts what the confirmation listed.
    expect(result.body).toContain('Here: 3 stored weeks (21 days) of Moves data');
    // Back to the confirmation page: the result again, not an error or a sign-in note.
    const back = await app.inject({
      method: 'GET',
      url: '/account/delete',
      headers: { cookie: setCookie(res)! },
    });
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe('/account/deleted');
    expect(await ctx.db.select().from(members)).toHaveLength(before.length - 1);
    const after = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: session } });
    expect(after.statusCode).toBe(303);
  });
});
