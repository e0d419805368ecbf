// The dashboard's one-query overview and the live parts of its status poll (stored weeks, the file, recent
// activity), and a session whose member was deleted meanwhile.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { members, publishedFiles, storedWeeks, syncEvents, syncState } from '../../src/db/schema.ts';
import { eq } from 'drizzle-orm';
import { MemberViewCache } from '../../src/accounts/member-view-cache.ts';
import { MEMBER_VIEW_MAX_AGE_MS } from '../../src/context.ts';
import type { TestContext } from '../support/context.ts';
import {
  csrfFrom,
  insertMember,
  pageToken,
  postCsrfForm,
  sessionCookie,
  startTestWebApp,
  type TestWebApp,
} from './support.ts';

let web: TestWebApp;
let ctx: TestContext;
let app: FastifyInstance;

beforeAll(async () => {
  web = await startTestWebApp();
  ({ ctx, app } = web);
});

afterAll(async () => {
  await web?.close();
});

const week = (w: string, first: string, last: string, days: number) => ({
  week: w,
  daysJson: '[]',
  dayCount: days,
  firstDay: first,
  lastDay: last,
  bytes: 100,
  complete: true,
});

describe('sizes in words', () => {
  it('shows bytes, KB and MB', async () => {
    const { formatBytes } = await import('../../src/web/status-words.ts');
    expect(formatBytes(850)).toBe('850 bytes');
    expect(formatBytes(20480)).toBe('20 KB');
    expect(formatBytes(14_062_592)).toBe('13.4 MB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
    expect(formatBytes(2 * 1024 ** 3)).toBe('2 GB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GB');
    expect(formatBytes(1000 * 1024 ** 2)).toBe('1 GB');
  });
});

describe('dashboard overview', () => {
  it('gathers stored weeks, the current file and the newest events in one read', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    await ctx.db.insert(storedWeeks).values([
      { memberId: m.id, ...week('2024-W01', '20240101', '20240107', 7) },
      { memberId: m.id, ...week('2024-W02', '20240108', '20240109', 2) },
    ]);
    await ctx.db.insert(publishedFiles).values([
      { memberId: m.id, ohFileId: 9001, basename: 'old.json', size: 1, md5: 'x', status: 'deleted' },
      { memberId: m.id, ohFileId: 9002, basename: 'moves-storyline-data.json', size: 20480, md5: 'y' },
    ]);
    const t0 = Date.now() - 60_000;
    await ctx.db.insert(syncEvents).values(
      Array.from({ length: 12 }, (_, i) => ({
        memberId: m.id,
        at: new Date(t0 + i * 1000),
        kind: i === 11 ? ('rate_limited' as const) : ('queued' as const),
        message: `event ${i}`,
      })),
    );
    const o = await ctx.accounts.overview(m.id, 10);
    expect(o?.member.id).toBe(m.id);
    expect(o?.account?.movesUserId).toBeDefined();
    expect(o?.stored).toEqual({ weeks: 2, days: 9, firstDay: '20240101', lastDay: '20240109' });
    expect(o?.files.map((f) => [f.basename, f.size])).toEqual([['moves-storyline-data.json', 20480]]);
    expect(o?.events.map((e) => e.message)).toEqual(Array.from({ length: 10 }, (_, i) => `event ${11 - i}`));
    expect(o?.events[0]?.at.getTime()).toBe(t0 + 11_000);

    const s = (
      await app.inject({
        method: 'GET',
        url: '/dashboard/status',
        headers: { cookie: sessionCookie(app, { memberId: m.id }) },
      })
    ).json();
    expect(s.storedText).toBe('9 days, from 1 Jan 2024 to 9 Jan 2024 (2 weeks)');
    expect(s.fileText).toMatch(
      /^On Open Humans: moves-storyline-data\.json, 20 KB, last updated \w.* (UTC|CET|GMT) /,
    );
    expect(s.events).toHaveLength(10);
    expect(s.events[0]).toMatchObject({ kind: 'rate_limited', label: 'Paused', message: 'event 11' });
    expect(s.events[0].iso).toBe(new Date(t0 + 11_000).toISOString());
  });

  it('renders recent activity as a polite live region that the status poll keeps current', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const cookie = sessionCookie(app, { memberId: m.id });
    const empty = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toMatch(
      /<ul class="events" id="events" aria-live="polite" aria-relevant="additions" hidden>/,
    );
    expect(empty.body).toMatch(/<p class="muted" id="events-empty">Nothing yet.<\/p>/);
    expect(empty.body).toContain('/static/dashboard.js');

    await ctx.syncState.recordEvent(m.id, 'queued', 'Update requested by the member');
    const s = (await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } })).json();
    expect(s.events.map((e: { message: string }) => e.message)).toEqual(['Update requested by the member']);
    const page = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(page.body).toMatch(/<ul class="events" id="events" aria-live="polite" aria-relevant="additions">/);
    expect(page.body).toContain('Update requested by the member');
  });

  it('sends the member to Open Humans, not Moves, when it is Open Humans that refused our tokens', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    await ctx.db.update(members).set({ ohNeedsReauth: true }).where(eq(members.id, m.id));
    await ctx.db.insert(syncState).values({
      memberId: m.id,
      status: 'idle',
      lastError: 'Open Humans no longer accepts our access: sign in again to resume updates.',
    });
    const cookie = sessionCookie(app, { memberId: m.id });
    const s = (await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } })).json();
    expect(s.needsReauth).toBe(true);
    expect(s.words).toBe(
      'Open Humans no longer accepts our access: sign in with Open Humans again to continue',
    );
    expect(s.reconnect).toEqual({ href: '/login', label: 'Sign in with Open Humans again' });
    expect(s.lastErrorText).not.toContain('Moves');
    expect(s.update).toMatchObject({ available: false, reason: 'Sign in with Open Humans again first' });
    const page = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(page.body).toContain('id="reconnect-link" href="/login">Sign in with Open Humans again</a>');

    // Moves refusing is still a Moves reconnect.
    await ctx.db.update(members).set({ ohNeedsReauth: false }).where(eq(members.id, m.id));
    const { movesAccounts } = await import('../../src/db/schema.ts');
    await ctx.db
      .update(movesAccounts)
      .set({ status: 'needs_reauth' })
      .where(eq(movesAccounts.memberId, m.id));
    // Written past the services (which tell the member view cache themselves), as another process would.
    ctx.memberViews.changed(m.id);
    const moves = (await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } })).json();
    expect(moves.reconnect).toEqual({ href: '/connect/moves', label: 'Reconnect Moves' });
    expect(moves.words).toBe('Moves no longer accepts our access: reconnect Moves to continue');
  });

  it("shows another process's writes once its view is a second old, and this process's at once", async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const cookie = sessionCookie(app, { memberId: m.id });
    const status = async () =>
      (await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } })).json();
    // The view cache's clock, moved by hand.
    let now = 0;
    const views = ctx.memberViews;
    ctx.memberViews = new MemberViewCache(MEMBER_VIEW_MAX_AGE_MS, () => now);
    try {
      expect((await status()).events).toEqual([]);
      // A worker process records an event: this process learns of it when its view is a second old.
      await ctx.db
        .insert(syncEvents)
        .values({ memberId: m.id, at: new Date(), kind: 'completed', message: 'Done elsewhere' });
      now = MEMBER_VIEW_MAX_AGE_MS - 1;
      expect((await status()).events).toEqual([]);
      now = MEMBER_VIEW_MAX_AGE_MS;
      expect((await status()).events.map((e: { message: string }) => e.message)).toEqual(['Done elsewhere']);
      // A write through this process's services is on the very next read.
      await ctx.syncState.recordEvent(m.id, 'queued', 'Asked here');
      expect((await status()).events.map((e: { message: string }) => e.message)).toEqual([
        'Asked here',
        'Done elsewhere',
      ]);
    } finally {
      ctx.memberViews = views;
    }
  });

  it("renders a session's page once per view, never for another session, and anew after a change", async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const { cookie } = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: m.id }));
    const page = async (c: string) =>
      (await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: c } })).body;
    // Within the view's second the same session gets the same page, CSRF token included (one render); two pages
    // in a row straddle a second's end at most once in three tries. Rendered anew, the tokens would differ.
    let first = '';
    let same = false;
    for (let i = 0; i < 3 && !same; i++) {
      first = await page(cookie);
      same = (await page(cookie)) === first;
    }
    expect(same).toBe(true);
    // ...another session of the member gets its own token...
    const other = await pageToken(app, '/dashboard', sessionCookie(app, { memberId: m.id }));
    expect(other.token).not.toBe(csrfFrom(first));
    // ...and a change is on the next page at once, with the token still valid for posting.
    await ctx.syncState.recordEvent(m.id, 'queued', 'Asked just now');
    const changed = await page(cookie);
    expect(changed).toContain('Asked just now');
    const post = await postCsrfForm(app, '/update_data', cookie, csrfFrom(changed));
    expect(post.statusCode).toBe(303);
  });

  it('treats a session whose member was deleted as signed out', async () => {
    const m = await insertMember(ctx, { withMoves: true });
    const cookie = sessionCookie(app, { memberId: m.id });
    await ctx.db.delete(members).where(eq(members.id, m.id));
    const status = await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie } });
    expect(status.statusCode).toBe(401);
    const page = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/');
  });
});
