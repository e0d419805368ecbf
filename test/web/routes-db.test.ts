// Route tests on the database alone: pages, sessions, CSRF, the update cooldown, the admin gate, metrics and
// the webhooks' signatures. Upstream calls are not needed for any of these.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { members, movesAccounts, syncEvents, syncState } from '../../src/db/schema.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { insertMember, pageToken, postCsrfForm, sessionCookie } from './support.ts';

const WEBHOOK_SECRET = 'abcdefghijklmnop-webhook';
const MOVES_SECRET = 'moves-client-secret-for-tests';
const ADMIN_ID = '87654321';

let ctx: TestContext;
let app: FastifyInstance;

beforeAll(async () => {
  ctx = await createTestContext({
    env: {
      OH_WEBHOOK_SECRET: WEBHOOK_SECRET,
      MOVES_CLIENT_ID: 'moves-client',
      MOVES_CLIENT_SECRET: MOVES_SECRET,
      OH_CLIENT_ID: 'oh-client',
      OH_CLIENT_SECRET: 'oh-secret',
      ADMIN_MEMBER_IDS: ADMIN_ID,
      MANUAL_UPDATE_COOLDOWN_MINUTES: '60',
    },
  });
  app = await buildWebApp(ctx);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

describe('pages', () => {
  it('serves the start page with security headers and no inline script', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Sign in with Open Humans');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it('keeps the original routes with and without a trailing slash', async () => {
    for (const url of ['/dashboard', '/dashboard/', '/update_data', '/update_data/', '/remove_moves/']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/');
    }
  });

  it('answers an unknown page with a 404 page, not a stack trace', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Page not found');
  });

  it('sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
  });

  it('shows a signed-in member the connect step', async () => {
    const m = await insertMember(ctx);
    const res = await app.inject({
      method: 'GET',
      url: '/dashboard',
      headers: { cookie: sessionCookie(app, { memberId: m.id }) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Connect Moves');
  });
});

describe('CSRF', () => {
  it('refuses a form post without a token (403)', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const cookie = sessionCookie(app, { memberId: m.id });
    await pageToken(app, '/dashboard', cookie); // the session has a CSRF secret now
    const res = await app.inject({ method: 'POST', url: '/update_data', headers: { cookie }, payload: {} });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This form has expired');
  });

  it('refuses a form post with a wrong token (403) and accepts the right one', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const { token, cookie } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: m.id }));
    const bad = await postCsrfForm(app, '/update_data', cookie, token.slice(0, -2) + 'xx');
    expect(bad.statusCode).toBe(403);
    const good = await postCsrfForm(app, '/update_data', cookie, token);
    expect(good.statusCode).toBe(303);
    expect(good.headers.location).toBe('/dashboard');
  });

  it('refuses a token from another session', async () => {
    const a = await insertMember(ctx, { withMoves: true });
    const b = await insertMember(ctx, { withMoves: true });
    const { token } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: a.id }));
    const { cookie } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: b.id }));
    const res = await postCsrfForm(app, '/remove_moves', cookie, token);
    expect(res.statusCode).toBe(403);
    const [still] = await ctx.db.select().from(movesAccounts).where(eq(movesAccounts.memberId, b.id));
    expect(still).toBeDefined();
  });
});

describe('update now', () => {
  it('enforces the cooldown on the server and says when it is available again', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    await ctx.db
      .insert(syncState)
      .values({ memberId: m.id, status: 'up_to_date', lastSuccessAt: new Date(Date.now() - 3600_000) });
    const { token, cookie } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: m.id }));
    const post = () => postCsrfForm(app, '/update_data/', cookie, token);
    const first = await post();
    expect(first.statusCode).toBe(303);
    const second = await post();
    expect(second.statusCode).toBe(429);
    expect(second.body).toMatch(/Available again in (59 minutes|1 hour)/);
    const events = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, m.id));
    expect(events.filter((e) => e.kind === 'queued')).toHaveLength(1);
    const status = await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } });
    const body = status.json();
    expect(body.update.available).toBe(false);
    expect(body.update.label).toMatch(/^Available again in (59 minutes|1 hour)$/);
  });

  it('allows an update once the cooldown has passed', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    await ctx.db
      .insert(syncState)
      .values({ memberId: m.id, lastManualRequestAt: new Date(Date.now() - 61 * 60_000) });
    const { token, cookie } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: m.id }));
    const res = await postCsrfForm(app, '/update_data', cookie, token);
    expect(res.statusCode).toBe(303);
  });

  /** A member up to date 5 days ago with a sync queued for `reason`, who then presses "Update now". */
  async function pressWhileQueued(reason: 'admin' | 'scheduler') {
    const m = await insertMember(ctx, { withMoves: true });
    await ctx.syncState.update(m.id, {
      status: 'up_to_date',
      lastSuccessAt: new Date(Date.now() - 5 * 86_400_000),
    });
    expect(await ctx.queue.enqueueSync(m.id, reason)).toBe(true);
    const { token, cookie } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: m.id }));
    const res = await postCsrfForm(app, '/update_data', cookie, token);
    expect(res.statusCode).toBe(303);
    return { m, cookie };
  }

  it('does not spend the cooldown on a press that queued nothing (a sync was already waiting)', async () => {
    const { cookie } = await pressWhileQueued('admin');
    const status = await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } });
    // No cooldown was spent; the button waits for the queued update, and says so.
    expect(status.json().update).toMatchObject({
      available: false,
      label: 'Update now',
      reason: 'An update is about to start',
    });
  });

  it('takes the place of a waiting routine update, so the press is not queued behind backfills', async () => {
    const { m } = await pressWhileQueued('scheduler');
    const jobs = await ctx.boss.findJobs<{ reason: string; routine?: boolean }>(QUEUES.syncMember, {
      key: String(m.id),
      queued: true,
    });
    expect(jobs.map((j) => j.data)).toEqual([expect.objectContaining({ reason: 'manual' })]);
    expect(jobs[0]?.data.routine).toBeUndefined();
  });

  it('answers GET and anonymous posts without a 500', async () => {
    const get = await app.inject({ method: 'GET', url: '/update_data' });
    expect(get.statusCode).toBe(303);
    const anon = await app.inject({ method: 'POST', url: '/update_data', payload: {} });
    expect(anon.statusCode).toBe(403);
  });
});

describe('status and pictures', () => {
  it('reports progress in words and numbers', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    await ctx.db.insert(syncState).values({
      memberId: m.id,
      status: 'waiting_rate_limit',
      weeksDone: 12,
      weeksTotal: 40,
      nextRunAt: new Date(Date.now() + 42_000),
    });
    const cookie = sessionCookie(app, { memberId: m.id });
    const s = (await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } })).json();
    expect(s.words).toMatch(
      /^The first import is paused for the Moves rate limit until \d\d:\d\d UTC \(in 4[12] seconds\): /,
    );
    expect(s.nextRunText).toBe('4 days after this import finishes');
    expect(s.update).toMatchObject({
      available: false,
      reason: 'Available when the first import has finished',
    });
    expect(s.download).toEqual({
      available: false,
      reason: 'Available once the import has published your file to Open Humans',
    });
    expect(s.percent).toBe(30);
    expect(s.progressText).toBe('12 of 40 weeks fetched');
    const anon = await app.inject({ method: 'GET', url: '/dashboard/status' });
    expect(anon.statusCode).toBe(401);
  });

  it('builds the map from stored weeks and the calendar with steps per day', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const day = (date: string, steps: number) => ({
      date,
      summary: [{ activity: 'walking', group: 'walking', duration: 100, distance: 50, steps }],
      segments: [
        { type: 'place', place: { id: 1, name: 'Cafe', type: 'user', location: { lat: 52.5, lon: 13.4 } } },
        {
          type: 'move',
          activities: [
            {
              activity: 'walking',
              trackPoints: [
                { lat: 52.5, lon: 13.4, time: 'x' },
                { lat: 52.51, lon: 13.41, time: 'y' },
              ],
            },
          ],
        },
      ],
    });
    const days = [day('20160613', 1200), day('20160614', 8000)];
    await ctx.weeks.save(m.id, {
      week: '2016-W24',
      daysJson: JSON.stringify(days),
      dates: ['20160613', '20160614'],
      complete: true,
      source: 'moves',
    });
    const cookie = sessionCookie(app, { memberId: m.id });
    const map = (await app.inject({ method: 'GET', url: '/dashboard/map.json', headers: { cookie } })).json();
    expect(map.tracks).toHaveLength(2);
    expect(map.places).toEqual([{ date: '20160613', name: 'Cafe', named: true, lat: 52.5, lon: 13.4 }]);
    const hist = await app.inject({ method: 'GET', url: '/history', headers: { cookie } });
    expect(hist.statusCode).toBe(200);
    expect(hist.body).toContain('2016-06-14: 8,000 steps');
    expect(hist.body).toContain('2 days with data, 9,200 steps');
  });
});

describe('admin', () => {
  it('is hidden from anonymous visitors and ordinary members', async () => {
    expect((await app.inject({ method: 'GET', url: '/admin' })).statusCode).toBe(404);
    const m = await insertMember(ctx);
    const res = await app.inject({
      method: 'GET',
      url: '/admin',
      headers: { cookie: sessionCookie(app, { memberId: m.id }) },
    });
    expect(res.statusCode).toBe(404);
  });

  it('shows members and queue depth to an admin, who can requeue a member', async () => {
    const admin = await insertMember(ctx, { ohMemberId: ADMIN_ID });
    const target = await insertMember(ctx, { withMoves: true });
    const { token, cookie } = await pageToken(app, '/admin', sessionCookie(app, { memberId: admin.id }));
    const page = await app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    expect(page.body).toContain('Sync jobs waiting in the queue');
    expect(page.body).toContain(`Requeue member ${target.id}`);
    const res = await app.inject({
      method: 'POST',
      url: '/admin/requeue',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}&memberId=${target.id}`,
    });
    expect(res.statusCode).toBe(303);
    const events = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, target.id));
    expect(events.map((e) => e.details)).toContainEqual(expect.objectContaining({ reason: 'admin' }));
  });

  it('serves Prometheus metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('ohmoves_sync_jobs_total');
  });
});

describe('webhooks', () => {
  const ohSign = (body: string) =>
    `sha1=${crypto.createHmac('sha1', WEBHOOK_SECRET).update(body).digest('hex')}`;
  const movesSign = (body: string, ts: string, nonce: string) =>
    crypto
      .createHmac('sha1', MOVES_SECRET)
      .update(body + ts + nonce)
      .digest('base64');
  /** POSTs a Moves notification carrying these signature headers. */
  const notify = (payload: string, signature: string, ts: string, nonce: string, type = 'application/json') =>
    app.inject({
      method: 'POST',
      url: '/webhooks/moves/notify',
      headers: {
        'content-type': type,
        'x-moves-signature': signature,
        'x-moves-timestamp': ts,
        'x-moves-nonce': nonce,
      },
      payload,
    });

  it('verifies the documented Open Humans example signature', async () => {
    const { validOpenHumansSignature } = await import('../../src/web/webhook-signatures.ts');
    const body =
      '{"project_member_id": "12345678", "erasure_requested": true, "timestamp": "2020-06-30T20:00:00.000000+00:00"}';
    expect(
      validOpenHumansSignature(
        'abcdefghijklmnop',
        Buffer.from(body),
        'sha1=ebda5c0a38593a4350ad8401b7d8c8f1cd08ec67',
      ),
    ).toBe(true);
  });

  it('removes a member on a signed deauthorization and rejects bad signatures', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    // Sent when the member left: after they signed in (an older one is about an earlier authorization).
    const leftAt = new Date(Date.now() + 1000).toISOString().replace('Z', '000+00:00');
    const body = `{"project_member_id": "${m.ohMemberId}", "erasure_requested": false, "timestamp": "${leftAt}"}`;
    const bad = await app.inject({
      method: 'POST',
      url: '/webhooks/openhumans/deauth',
      headers: { 'content-type': 'application/json', 'x-openhumans-webhooks-signature': ohSign(body + ' ') },
      payload: body,
    });
    expect(bad.statusCode).toBe(401);
    const missing = await app.inject({
      method: 'POST',
      url: '/webhooks/openhumans/deauth',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(missing.statusCode).toBe(401);
    // Without its timestamp a deauthorization cannot be told from a replay of an earlier one: refused.
    const undated = `{"project_member_id": "${m.ohMemberId}", "erasure_requested": false}`;
    const noTime = await app.inject({
      method: 'POST',
      url: '/webhooks/openhumans/deauth',
      headers: { 'content-type': 'application/json', 'x-openhumans-webhooks-signature': ohSign(undated) },
      payload: undated,
    });
    expect(noTime.statusCode).toBe(400);
    expect((await ctx.db.select().from(members).where(eq(members.id, m.id))).length).toBe(1);
    const good = await app.inject({
      method: 'POST',
      url: '/webhooks/openhumans/deauth',
      headers: { 'content-type': 'application/json', 'x-openhumans-webhooks-signature': ohSign(body) },
      payload: body,
    });
    expect(good.statusCode).toBe(200);
    expect((await ctx.db.select().from(members).where(eq(members.id, m.id))).length).toBe(0);
  });

  it('never answers garbage with a 500', async () => {
    const garbage = [
      '',
      'not json',
      '{"project_member_id": null}',
      '\u0000\u0001',
      '[1,2',
      '{"a":'.repeat(50),
    ];
    for (const body of garbage) {
      const oh = await app.inject({
        method: 'POST',
        url: '/webhooks/openhumans/deauth',
        headers: { 'content-type': 'application/json', 'x-openhumans-webhooks-signature': ohSign(body) },
        payload: body,
      });
      expect(oh.statusCode, body).toBeGreaterThanOrEqual(400);
      expect(oh.statusCode, body).toBeLessThan(500);
      const mv = await notify(body, movesSign(body, '1', 'n'), '1', 'n', 'text/plain');
      expect(mv.statusCode, body).toBeGreaterThanOrEqual(400);
      expect(mv.statusCode, body).toBeLessThan(500);
    }
    const sigGarbage = await notify('{}', '%%%', '1', 'n');
    expect(sigGarbage.statusCode).toBe(401);
  });

  it('queues a sync for the Moves user a signed notification names (id beyond 2^53)', async () => {
    const movesUserId = '23138311640030064';
    const m = await insertMember(ctx, { withMoves: true, movesUserId });
    const body = `{"userId":${movesUserId},"storylineUpdates":[{"reason":"DataUpload","startTime":"20121213T072747Z","endTime":"20121212T234417-0200","lastSegmentType":"place","lastSegmentStartTime":"20121213T082747Z"}]}`;
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'abc123';
    const bad = await notify(body, movesSign(body, ts, 'other'), ts, nonce);
    expect(bad.statusCode).toBe(401);
    const good = await notify(body, movesSign(body, ts, nonce), ts, nonce);
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ status: 'queued' });
    const events = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, m.id));
    expect(events.map((e) => e.details)).toContainEqual(expect.objectContaining({ reason: 'notification' }));
    // A neighbouring id that a lossy parse would confuse with this one is not matched.
    const other = body.replace(movesUserId, '23138311640030065');
    const res = await notify(other, movesSign(other, ts, nonce), ts, nonce);
    expect(res.json()).toEqual({ status: 'ignored' });
  });

  it('refuses a replayed notification and one whose timestamp is outside a few minutes', async () => {
    const movesUserId = '23138311640030099';
    const m = await insertMember(ctx, { withMoves: true, movesUserId });
    const body = `{"userId":${movesUserId},"storylineUpdates":[]}`;
    const send = (ts: string, nonce: string) => notify(body, movesSign(body, ts, nonce), ts, nonce);
    const now = Math.floor(Date.now() / 1000);
    const first = await send(String(now), 'n1');
    expect(first.json()).toEqual({ status: 'queued' });
    const replay = await send(String(now), 'n1');
    expect(replay.statusCode).toBe(409);
    // Correctly signed, but from 2017, or ten minutes ahead: refused, and nothing queued for them.
    for (const ts of ['1491982878', String(now + 600), String(now - 600), 'soon']) {
      const res = await send(ts, `n-${ts}`);
      expect(res.statusCode, ts).toBe(401);
    }
    // A new notification (new nonce, so a new signature) within the window is accepted.
    expect((await send(String(now - 60), 'n2')).statusCode).toBe(200);
    const queued = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, m.id));
    expect(
      queued.filter((e) => (e.details as { reason?: string } | null)?.reason === 'notification').length,
    ).toBeLessThanOrEqual(2);
  });

  it('refuses every re-spelling of a seen signature: none queues a sync', async () => {
    const movesUserId = '23138311640030111';
    await insertMember(ctx, { withMoves: true, movesUserId });
    const body = `{"userId":${movesUserId},"storylineUpdates":[]}`;
    const ts = String(Math.floor(Date.now() / 1000));
    // A nonce whose signature uses '+' or '/', so that the URL-safe alphabet spells it differently.
    let nonce = 0;
    while (!/[+/]/.test(movesSign(body, ts, `r${nonce}`))) nonce++;
    const sig = movesSign(body, ts, `r${nonce}`);
    expect(sig).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    const unusedBits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/';
    const lastIndex = unusedBits.indexOf(sig[26]!);
    const variants = [
      ...Array.from({ length: 27 }, (_, i) => sig.slice(0, i + 1) + ' ' + sig.slice(i + 1)),
      sig.slice(0, 10) + '\t' + sig.slice(10),
      sig.replace(/=+$/, ''),
      sig.replace(/\+/g, '-').replace(/\//g, '_'),
      sig + '=',
      sig + '!',
      // The same bytes with the two unused low bits of the last character set.
      sig.slice(0, 26) + unusedBits[(lastIndex & ~3) + 3] + '=',
    ];
    const send = (signature: string) => notify(body, signature, ts, `r${nonce}`);
    // Before the original: each is refused as a bad signature, and none is recorded as seen.
    for (const v of variants) expect((await send(v)).statusCode, JSON.stringify(v)).toBe(401);
    expect((await send(sig)).json()).toEqual({ status: 'queued' });
    // After it: refused as well, never handled a second time.
    for (const v of variants) expect([401, 409], JSON.stringify(v)).toContain((await send(v)).statusCode);
    expect((await send(sig)).statusCode).toBe(409);
  });
});
