// Connecting a different Moves account than before, against both emulators: the old account's stored weeks
// are removed (never mixed with the new one's), the member is told on the dashboard, and a sync is queued.
// Reconnecting the same account keeps what is stored.
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.ts';
import { members, movesAccounts, storedWeeks, syncEvents } from '../../src/db/schema.ts';
import type { Sandbox } from '../../src/sandbox.ts';
import { movesCode, setCookie, signIn, startConnect, startWebSandbox, type WebSandbox } from './support.ts';

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

/** Connects the Moves user and returns the dashboard the member lands on. */
async function connect(cookie: string, userId: string): Promise<{ cookie: string; dashboard: string }> {
  const start = await startConnect(web, cookie);
  const back = await app.inject({
    method: 'GET',
    url: `/moves_complete?code=${await movesCode(web, userId, start.state)}&state=${start.state}`,
    headers: { cookie: start.cookie },
  });
  expect(back.statusCode).toBe(303);
  expect(back.headers.location).toBe('/dashboard');
  const after = setCookie(back) ?? start.cookie;
  const dash = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: after } });
  expect(dash.statusCode).toBe(200);
  return { cookie: after, dashboard: dash.body };
}

async function storeWeeks(memberId: number, weeks: string[]) {
  await ctx.db.insert(storedWeeks).values(
    weeks.map((week) => ({
      memberId,
      week,
      daysJson: '[]',
      dayCount: 7,
      firstDay: '20240101',
      lastDay: '20240107',
      bytes: 2,
      complete: true,
    })),
  );
}

describe('connecting Moves again', () => {
  it('removes the previous account’s weeks when a different account is connected, and says so', async () => {
    const first = sandbox.moves.createUser({ firstDate: '20240101', timeZone: 'Europe/Berlin' });
    const second = sandbox.moves.createUser({ firstDate: '20230601', timeZone: 'America/New_York' });
    const { cookie, ohMemberId } = await signIn(web);
    const a = await connect(cookie, first.userId);
    const [member] = await ctx.db.select().from(members).where(eq(members.ohMemberId, ohMemberId));
    await storeWeeks(member!.id, ['2024-W01', '2024-W02']);

    // The same account again (e.g. after "needs reauth"): nothing is removed.
    const same = await connect(a.cookie, first.userId);
    expect(same.dashboard).not.toContain('different Moves account');
    expect(await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, member!.id))).toHaveLength(
      2,
    );

    const b = await connect(same.cookie, second.userId);
    expect(b.dashboard).toContain('You connected a different Moves account than before.');
    expect(b.dashboard).toContain('your whole history will now be fetched from the new account');
    expect(await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, member!.id))).toEqual([]);
    const [account] = await ctx.db.select().from(movesAccounts).where(eq(movesAccounts.memberId, member!.id));
    expect(account?.movesUserId).toBe(second.userId);
    const events = await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, member!.id));
    expect(events.map((e) => e.kind)).toContain('data_reset');
    // Recent activity on the dashboard names the reset too (status poll and page).
    const status = (
      await app.inject({ method: 'GET', url: '/dashboard/status', headers: { cookie: b.cookie } })
    ).json();
    expect(status.events.map((e: { kind: string }) => e.kind)).toContain('data_reset');
    expect(status.storedText).toBe('Nothing yet');
  });
});
