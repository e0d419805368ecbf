// Members, Moves accounts and token refresh against both emulators, on every store: encrypted tokens, one Moves
// account per member, and concurrent refreshes (one context, and two contexts on one database) never losing access.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMovesEmulator } from '../../emulators/moves/index.ts';
import type { RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { getMovesAccessToken, getOhAccessToken } from '../../src/accounts/index.ts';
import { upsertMemberFromLogin } from '../../src/accounts/members.ts';
import { connectMovesAccount } from '../../src/accounts/moves-accounts.ts';
import { REFUSAL_GRACE } from '../../src/accounts/tokens.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { openPostgres } from '../../src/db/database.ts';
import { members, movesAccounts } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import type { MovesTokens } from '../../src/moves/client.ts';
import type { OhTokens } from '../../src/openhumans/client.ts';
import { AuthRefusedError } from '../../src/upstream/errors.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import { until } from '../support/wait.ts';
import { clientEnv, movesCode, ohCode, startMoves, startOh } from '../clients/emulators.ts';

let oh: RunningOpenHumansEmulator;
let moves: RunningMovesEmulator;

beforeAll(async () => {
  oh = await startOh();
  moves = await startMoves({ minuteLimit: 1000, hourLimit: 100_000 });
  REFUSAL_GRACE.totalMs = 300; // keep refused-token tests quick
});
afterAll(async () => {
  await oh?.close();
  await moves?.close();
});

/** How many token requests the Open Humans emulator has refused so far. */
async function refusedTokenRequests(): Promise<number> {
  const { requests } = await oh.control.stats();
  return Object.entries(requests)
    .filter(([route]) => route.includes('token'))
    .reduce(
      (n, [, byStatus]) =>
        n +
        Object.entries(byStatus)
          .filter(([status]) => status >= '400')
          .reduce((m, [, c]) => m + c, 0),
      0,
    );
}

const soon = () => new Date(Date.now() + 5_000); // inside the 60 s refresh margin

describe.each(storeKinds())('accounts on %s', (store) => {
  let ctx: TestContext;
  let ctx2: AppContext;
  let closeSecond: () => Promise<void>;

  beforeAll(async () => {
    ctx = await createTestContext({ store, env: clientEnv({ ohUrl: oh.url, movesUrl: moves.url }) });
    // A second context on the same database, as a second process would have. On PostgreSQL it gets its own pool.
    const second = store === 'postgres' ? openPostgres(ctx.testDatabase.url!, 5) : ctx.testDatabase;
    ctx2 = await buildContext({
      config: ctx.config,
      logger: createLogger('silent'),
      database: second,
      boss: { schedule: false, supervise: false },
    });
    closeSecond = async () => {
      if (store === 'postgres') await ctx2.close();
      else await ctx2.boss.stop({ graceful: false, close: false });
    };
  });
  afterAll(async () => {
    await closeSecond?.();
    await ctx?.close();
  });

  async function ohLogin(username?: string): Promise<{ memberId: number; ohId: string; tokens: OhTokens }> {
    const { project_member_id } = oh.createMember(username ? { username } : {});
    const tokens = await ctx.openHumans.exchangeCode(await ohCode(oh.url, project_member_id));
    const member = await ctx.openHumans.exchangeMember(tokens.accessToken);
    const { memberId } = await upsertMemberFromLogin(ctx, {
      member,
      tokens: { ...tokens, expiresAt: soon() },
    });
    return { memberId, ohId: project_member_id, tokens };
  }

  async function movesLogin(userId?: string): Promise<{ movesUserId: string; tokens: MovesTokens }> {
    const created = moves.createUser({
      firstDate: '20160101',
      timeZone: 'Europe/Berlin',
      ...(userId ? { userId } : {}),
    });
    const tokens = await ctx.moves.exchangeCode(await movesCode(moves.url, created.userId));
    return { movesUserId: created.userId, tokens };
  }

  async function storedOh(memberId: number) {
    const [row] = await ctx.db.select().from(members).where(eq(members.id, memberId));
    return row!;
  }

  it('creates and updates members with encrypted tokens', async () => {
    const { project_member_id } = oh.createMember({ username: 'alice' });
    const tokens = await ctx.openHumans.exchangeCode(await ohCode(oh.url, project_member_id));
    const member = await ctx.openHumans.exchangeMember(tokens.accessToken);
    const first = await upsertMemberFromLogin(ctx, { member, tokens });
    expect(first.created).toBe(true);
    const row = await storedOh(first.memberId);
    expect(row.ohAccessToken).not.toContain(tokens.accessToken);
    expect(row.ohRefreshToken).not.toContain(tokens.refreshToken);
    expect(ctx.cipher.decrypt(row.ohRefreshToken)).toBe(tokens.refreshToken);
    expect(row.ohUsername).toBe(member.username ?? null);
    const again = await upsertMemberFromLogin(ctx, { member, tokens });
    expect(again).toEqual({
      memberId: first.memberId,
      created: false,
      sessionVersion: first.sessionVersion,
      wasRefused: false,
    });
  });

  it('returns a valid token without refreshing, and refreshes one about to expire', async () => {
    const { memberId, tokens } = await ohLogin();
    const token = await getOhAccessToken(ctx, memberId);
    expect(token).not.toBe(tokens.accessToken); // it was about to expire: refreshed
    const row = await storedOh(memberId);
    expect(ctx.cipher.decrypt(row.ohAccessToken)).toBe(token);
    expect(row.ohTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
    expect(await getOhAccessToken(ctx, memberId)).toBe(token); // now valid: no refresh
    await expect(ctx.openHumans.refresh(tokens.refreshToken)).rejects.toBeInstanceOf(AuthRefusedError);
  });

  it('shares one refresh among concurrent callers in one context', async () => {
    const { memberId, ohId } = await ohLogin();
    const tokens = await Promise.all(Array.from({ length: 6 }, () => getOhAccessToken(ctx, memberId)));
    expect(new Set(tokens).size).toBe(1);
    expect((await ctx.openHumans.exchangeMember(tokens[0]!)).projectMemberId).toBe(ohId);
  });

  it('keeps a working token when two contexts on one database refresh at once', async () => {
    const { memberId, ohId } = await ohLogin();
    for (let round = 0; round < 4; round++) {
      await ctx.db.update(members).set({ ohTokenExpiresAt: soon() }).where(eq(members.id, memberId));
      const [a, b] = await Promise.all([getOhAccessToken(ctx, memberId), getOhAccessToken(ctx2, memberId)]);
      expect(a, `round ${round}`).toBe(b);
      const row = await storedOh(memberId);
      expect(row.ohNeedsReauth).toBe(false);
      expect(ctx.cipher.decrypt(row.ohAccessToken)).toBe(a);
      expect((await ctx.openHumans.exchangeMember(a)).projectMemberId).toBe(ohId);
    }
    // The stored refresh token is the live one.
    await ctx.db.update(members).set({ ohTokenExpiresAt: soon() }).where(eq(members.id, memberId));
    const latest = await getOhAccessToken(ctx2, memberId);
    expect((await ctx.openHumans.exchangeMember(latest)).projectMemberId).toBe(ohId);
  });

  it('a refresh refused because another process just rotated the token waits for and uses its tokens', async () => {
    const { memberId, ohId } = await ohLogin();
    const row = await storedOh(memberId);
    // "Another process" refreshes first and stores its new pair once Open Humans has refused our refresh.
    const winner = await ctx.openHumans.refresh(ctx.cipher.decrypt(row.ohRefreshToken));
    const refusedBefore = await refusedTokenRequests();
    const store = until(
      async () => (await refusedTokenRequests()) > refusedBefore,
      'Open Humans to refuse our refresh',
    ).then(() =>
      ctx2.db
        .update(members)
        .set({
          ohAccessToken: ctx2.cipher.encrypt(winner.accessToken),
          ohRefreshToken: ctx2.cipher.encrypt(winner.refreshToken),
          ohTokenExpiresAt: winner.expiresAt,
        })
        .where(eq(members.id, memberId)),
    );
    const token = await getOhAccessToken(ctx, memberId);
    await store;
    expect(token).toBe(winner.accessToken);
    expect((await storedOh(memberId)).ohNeedsReauth).toBe(false);
    expect((await ctx.openHumans.exchangeMember(token)).projectMemberId).toBe(ohId);
  });

  it('a refresh that loses the compare-and-swap uses the tokens stored by the winner', async () => {
    const { memberId, ohId } = await ohLogin();
    // The winner holds a separate valid pair (a fresh sign-in) and stores it while our refresh is in flight.
    const winner = await ctx.openHumans.exchangeCode(await ohCode(oh.url, ohId));
    const real = ctx.openHumans;
    const delayed = Object.create(real) as typeof real;
    delayed.refresh = async (refreshToken: string) => {
      const ours = await real.refresh(refreshToken);
      await ctx.db
        .update(members)
        .set({
          ohAccessToken: ctx.cipher.encrypt(winner.accessToken),
          ohRefreshToken: ctx.cipher.encrypt(winner.refreshToken),
          ohTokenExpiresAt: winner.expiresAt,
        })
        .where(eq(members.id, memberId));
      return ours;
    };
    ctx.openHumans = delayed;
    try {
      expect(await getOhAccessToken(ctx, memberId)).toBe(winner.accessToken);
    } finally {
      ctx.openHumans = real;
    }
    expect(ctx.cipher.decrypt((await storedOh(memberId)).ohRefreshToken)).toBe(winner.refreshToken);
  });

  it('keeps a working Moves token when two contexts refresh at once, and records when it was issued', async () => {
    const { memberId } = await ohLogin();
    const { movesUserId, tokens } = await movesLogin();
    expect(await connectMovesAccount(ctx, memberId, tokens)).toEqual({ ok: true, changedAccount: false });
    for (let round = 0; round < 3; round++) {
      await ctx.db
        .update(movesAccounts)
        .set({ tokenExpiresAt: soon() })
        .where(eq(movesAccounts.memberId, memberId));
      const [a, b] = await Promise.all([
        getMovesAccessToken(ctx, memberId),
        getMovesAccessToken(ctx2, memberId),
      ]);
      expect(a.accessToken).toBe(b.accessToken);
      expect(a.issuedAt.getTime()).toBeGreaterThanOrEqual(tokens.issuedAt.getTime());
      const { profile } = await ctx.moves.profile(a.accessToken);
      expect(profile.userId).toBe(movesUserId);
    }
    const account = await ctx.accounts.movesAccount(memberId);
    expect(account?.status).toBe('connected');
  });

  it('marks the member for re-authorization when Open Humans refuses the refresh', async () => {
    const { memberId, ohId } = await ohLogin();
    await oh.control.leave(ohId, { erasure_requested: false });
    await expect(getOhAccessToken(ctx, memberId)).rejects.toBeInstanceOf(AuthRefusedError);
    expect((await storedOh(memberId)).ohNeedsReauth).toBe(true);
    // Later calls fail at once, without asking Open Humans again.
    await expect(getOhAccessToken(ctx2, memberId)).rejects.toThrow(/sign in again/);
  });

  it('marks the Moves account needs_reauth when Moves refuses the refresh', async () => {
    const { memberId } = await ohLogin();
    const { movesUserId, tokens } = await movesLogin();
    await connectMovesAccount(ctx, memberId, { ...tokens, expiresAt: soon() });
    await moves.control.revoke(movesUserId);
    await expect(getMovesAccessToken(ctx, memberId)).rejects.toBeInstanceOf(AuthRefusedError);
    expect((await ctx.accounts.movesAccount(memberId))?.status).toBe('needs_reauth');
    // Connecting again clears it.
    const again = await ctx.moves.exchangeCode(await movesCode(moves.url, movesUserId));
    expect(await connectMovesAccount(ctx, memberId, again)).toEqual({ ok: true, changedAccount: false });
    expect((await ctx.accounts.movesAccount(memberId))?.status).toBe('connected');
    expect((await getMovesAccessToken(ctx, memberId)).accessToken).toBe(again.accessToken);
  });

  it('refreshes and retries once when a stored token is refused early (401)', async () => {
    const { memberId, ohId, tokens } = await ohLogin();
    await ctx.db
      .update(members)
      .set({
        ohAccessToken: ctx.cipher.encrypt('revoked-token'),
        ohRefreshToken: ctx.cipher.encrypt(tokens.refreshToken),
        ohTokenExpiresAt: new Date(Date.now() + 3600_000),
      })
      .where(eq(members.id, memberId));
    const seen: string[] = [];
    const member = await ctx.accounts.withOhAccess(memberId, (t) => {
      seen.push(t);
      return ctx.openHumans.exchangeMember(t);
    });
    expect(member.projectMemberId).toBe(ohId);
    expect(seen[0]).toBe('revoked-token');
    expect(seen).toHaveLength(2);
  });

  it('links one Moves account to one member only', async () => {
    const a = await ohLogin();
    const b = await ohLogin();
    const { movesUserId, tokens } = await movesLogin(
      '23138311640030064'.replace(/4$/, String(storeKinds().indexOf(store))),
    );
    expect(
      await connectMovesAccount(ctx, a.memberId, tokens, {
        firstDate: '20160101',
        timeZone: 'Europe/Berlin',
      }),
    ).toEqual({
      ok: true,
      changedAccount: false,
    });
    const forB = await ctx.moves.exchangeCode(await movesCode(moves.url, movesUserId));
    expect(await connectMovesAccount(ctx, b.memberId, forB)).toEqual({
      ok: false,
      reason: 'linked_to_other_member',
    });
    expect(await ctx.accounts.movesAccount(b.memberId)).toBeUndefined();
    // A's link is untouched by B's attempt.
    const accountA = await ctx.accounts.movesAccount(a.memberId);
    expect(accountA).toMatchObject({ movesUserId, firstDate: '20160101', timeZone: 'Europe/Berlin' });
    expect((await getMovesAccessToken(ctx, a.memberId)).accessToken).toBe(tokens.accessToken);
    // Re-connecting the same account updates its tokens and keeps the profile facts.
    expect(await connectMovesAccount(ctx, a.memberId, forB)).toEqual({ ok: true, changedAccount: false });
    expect((await getMovesAccessToken(ctx, a.memberId)).accessToken).toBe(forB.accessToken);
    expect((await ctx.accounts.movesAccount(a.memberId))?.firstDate).toBe('20160101');
    // Switching A to another Moves account is reported and drops the old account's profile facts.
    const other = await movesLogin();
    expect(await connectMovesAccount(ctx, a.memberId, other.tokens)).toEqual({
      ok: true,
      changedAccount: true,
    });
    expect(await ctx.accounts.movesAccount(a.memberId)).toMatchObject({
      movesUserId: other.movesUserId,
      firstDate: null,
    });
    // Now the first Moves account is free for B.
    expect(await connectMovesAccount(ctx, b.memberId, forB)).toEqual({ ok: true, changedAccount: false });
  });
});
