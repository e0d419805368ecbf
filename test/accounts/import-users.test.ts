// The legacy import against both emulators: good lines become members with linked Moves accounts and queued
// syncs; every kind of bad line is reported on its own line and never stops the others.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMovesEmulator } from '../../emulators/moves/index.ts';
import type { RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { getMovesAccessToken, getOhAccessToken } from '../../src/accounts/index.ts';
import { formatImportReport, importUsers, splitLines } from '../../src/accounts/import-users.ts';
import { main } from '../../src/cli.ts';
import { members, syncState } from '../../src/db/schema.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { clientEnv, movesCode, ohCode, startMoves, startOh } from '../clients/emulators.ts';

let oh: RunningOpenHumansEmulator;
let moves: RunningMovesEmulator;
let ctx: TestContext;

beforeAll(async () => {
  oh = await startOh();
  moves = await startMoves({ minuteLimit: 1000, hourLimit: 100_000 });
  ctx = await createTestContext({ env: clientEnv({ ohUrl: oh.url, movesUrl: moves.url }) });
});
afterAll(async () => {
  await ctx?.close();
  await oh?.close();
  await moves?.close();
});

/** A legacy member: an OH refresh token and a Moves refresh token, as the old integration stored them. */
async function legacyMember(): Promise<{
  ohId: string;
  ohRefresh: string;
  movesUserId: string;
  movesRefresh: string;
}> {
  const { project_member_id } = oh.createMember();
  const ohTokens = await ctx.openHumans.exchangeCode(await ohCode(oh.url, project_member_id));
  const { userId } = moves.createUser({ firstDate: '20160101', timeZone: 'Europe/Berlin' });
  const movesTokens = await ctx.moves.exchangeCode(await movesCode(moves.url, userId));
  return {
    ohId: project_member_id,
    ohRefresh: ohTokens.refreshToken,
    movesUserId: userId,
    movesRefresh: movesTokens.refreshToken,
  };
}

describe('import-users', () => {
  it('splits lines the way files come', () => {
    expect(splitLines('\uFEFFa\r\nb\n\nc\n')).toEqual(['a', 'b', '', 'c']);
    expect(splitLines('')).toEqual([]);
  });

  it('imports good lines and reports each bad one without stopping', async () => {
    const good = await legacyMember();
    const again = await legacyMember();
    const refusedOh = await legacyMember();
    const refusedMoves = await legacyMember();
    const wrongMember = await legacyMember();
    const lines = [
      `${good.ohId},${good.ohRefresh},${good.movesRefresh}`,
      `${good.ohId},${good.ohRefresh},${good.movesRefresh}`, // duplicate
      `1234,abc,def`, // invalid member id
      `${again.ohId},${again.ohRefresh}`, // two columns
      `${refusedOh.ohId},not-a-token,${refusedOh.movesRefresh}`,
      `${refusedMoves.ohId},${refusedMoves.ohRefresh},not-a-token`,
      `${wrongMember.ohId},${again.ohRefresh},${again.movesRefresh}`, // OH token of another member
      '',
      ` ${wrongMember.ohId} , ${wrongMember.ohRefresh} , ${wrongMember.movesRefresh} `,
    ];
    const summary = await importUsers(ctx, lines.join('\n') + '\n');
    const byLine = summary.results.map((r) => [r.line, r.outcome]);
    expect(byLine).toEqual([
      [1, 'imported'],
      [2, 'skipped'],
      [3, 'failed'],
      [4, 'failed'],
      [5, 'failed'],
      [6, 'failed'],
      [7, 'failed'],
      [8, 'skipped'],
      [9, 'imported'],
    ]);
    expect(summary.counts).toEqual({ imported: 2, updated: 0, failed: 5, skipped: 2 });
    const r = summary.results;
    expect(r[2]!.message).toMatch(/8 digits/);
    expect(r[3]!.message).toMatch(/expected 3 columns/);
    expect(r[4]!.message).toMatch(/Open Humans token: refused/);
    expect(r[5]!.message).toMatch(/Moves token failed: refused/);
    expect(r[6]!.message).toMatch(/belongs to member/);

    // The good members are stored, linked and queued; their stored tokens work.
    for (const [i, who] of [
      [0, good],
      [8, wrongMember],
    ] as const) {
      const memberId = r[i]!.memberId!;
      expect(r[i]!.movesUserId).toBe(who.movesUserId);
      expect((await ctx.accounts.movesAccount(memberId))?.movesUserId).toBe(who.movesUserId);
      const [state] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId));
      expect(state?.status).toBe('queued');
      const token = await getOhAccessToken(ctx, memberId);
      expect((await ctx.openHumans.exchangeMember(token)).projectMemberId).toBe(who.ohId);
      const movesToken = await getMovesAccessToken(ctx, memberId);
      expect((await ctx.moves.profile(movesToken.accessToken)).profile.userId).toBe(who.movesUserId);
    }
    // A member whose Moves token failed is kept (its OH tokens were rotated and must not be lost), unlinked.
    const [kept] = await ctx.db.select().from(members).where(eq(members.ohMemberId, refusedMoves.ohId));
    expect(kept).toBeDefined();
    expect(await ctx.accounts.movesAccount(kept!.id)).toBeUndefined();
    // Nothing was stored for the refused Open Humans token.
    expect(await ctx.db.select().from(members).where(eq(members.ohMemberId, refusedOh.ohId))).toEqual([]);

    const report = formatImportReport(summary);
    expect(report.split('\n')).toHaveLength(lines.length + 1);
    expect(report).toContain('2 imported, 0 updated, 5 failed, 2 skipped');
    for (const secret of [good.ohRefresh, good.movesRefresh, again.ohRefresh])
      expect(report).not.toContain(secret);
  });

  it('updates an existing member and refuses a Moves account linked to someone else', async () => {
    const a = await legacyMember();
    const first = await importUsers(ctx, `${a.ohId};${a.ohRefresh};${a.movesRefresh}`, { delimiter: ';' });
    expect(first.results[0]!.outcome).toBe('imported');
    // A new pair for the same member (the legacy file may be re-run with other tokens).
    const oh2 = await ctx.openHumans.exchangeCode(await ohCode(oh.url, a.ohId));
    const moves2 = await ctx.moves.exchangeCode(await movesCode(moves.url, a.movesUserId));
    const second = await importUsers(ctx, `${a.ohId},${oh2.refreshToken},${moves2.refreshToken}`);
    expect(second.results[0]).toMatchObject({ outcome: 'updated', memberId: first.results[0]!.memberId });

    const b = await legacyMember();
    const moves3 = await ctx.moves.exchangeCode(await movesCode(moves.url, a.movesUserId));
    const third = await importUsers(ctx, `${b.ohId},${b.ohRefresh},${moves3.refreshToken}`);
    expect(third.results[0]!.outcome).toBe('failed');
    expect(third.results[0]!.message).toMatch(/already linked to another member/);
  });

  it('runs from the command line', async () => {
    const a = await legacyMember();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-import-'));
    const file = path.join(dir, 'users.csv');
    fs.writeFileSync(file, `${a.ohId},${a.ohRefresh},${a.movesRefresh}\nbad line\n`);
    const saved = { ...process.env };
    const logs: string[] = [];
    const log = console.log;
    Object.assign(process.env, clientEnv({ ohUrl: oh.url, movesUrl: moves.url }), {
      DATA_DIR: path.join(dir, 'data'),
      SECRET_KEY: 'test-secret-key-0123456789abcdefghijkl',
      LOG_LEVEL: 'silent',
    });
    delete process.env.DATABASE_URL;
    console.log = (...args: unknown[]) => logs.push(args.join(' '));
    try {
      const code = await main(['import-users', '--infile', file]);
      expect(code).toBe(1); // one line failed
    } finally {
      console.log = log;
      process.env = saved;
    }
    const out = logs.join('\n');
    expect(out).toContain(`line 1 (member ${a.ohId}): imported`);
    expect(out).toContain('line 2: failed: expected 3 columns');
    expect(out).toContain('1 imported, 0 updated, 1 failed, 0 skipped');
  });
});
