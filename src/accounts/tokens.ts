// Access tokens for a member, refreshed when they are about to expire. Both services rotate refresh tokens, so a
// lost update means lost access (original bug 13). Rules:
//  - a refresh writes only the token columns, and only if the stored refresh token is still the one it used
//    (compare-and-swap); the loser re-reads and uses the winner's tokens;
//  - concurrent callers in one context share one refresh;
//  - a refused refresh first waits briefly for another process's winning write, and only then marks the account
//    as needing re-authorization (conditioned on the same old token, so a winner's write is never overridden).
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members, movesAccounts } from '../db/schema.ts';
import { AuthRefusedError, UpstreamError, type UpstreamService } from '../upstream/errors.ts';
import { AccountNotFoundError } from './errors.ts';
import { retryAfter401 } from '../upstream/retry-after-401.ts';

/** Refresh when less than this is left (what Open Humans' own integrations do). */
export const REFRESH_MARGIN_MS = 60_000;
/** How long a refused refresh waits for another process's rotated tokens to appear, and how often it looks. */
export const REFUSAL_GRACE = { totalMs: 5_000, stepMs: 100 };

export interface TokenOptions {
  /** The access token the service just refused (401): refresh even if it looks unexpired, unless it changed. */
  rejected?: string;
}

interface StoredTokens {
  accessEnc: string;
  refreshEnc: string;
  expiresAt: Date;
  issuedAt: Date;
  refused: boolean;
}

interface FreshTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  issuedAt: Date;
}

interface TokenSlot {
  service: UpstreamService;
  read(): Promise<StoredTokens | undefined>;
  refresh(refreshToken: string): Promise<FreshTokens>;
  /** Writes the new tokens iff the stored refresh token is still `oldRefreshEnc`. */
  swap(oldRefreshEnc: string, fresh: FreshTokens): Promise<boolean>;
  /** Marks the account refused iff the stored refresh token is still `oldRefreshEnc`. */
  markRefused(oldRefreshEnc: string): Promise<void>;
}

export interface Access {
  accessToken: string;
  issuedAt: Date;
}

const inflight = new WeakMap<AppContext, Map<string, Promise<Access>>>();

/** The stored tokens, with the access token as `usable` when it can be used as it is (no refresh needed). */
async function readStored(
  ctx: AppContext,
  slot: TokenSlot,
  missing: () => Error,
  opts: TokenOptions,
): Promise<{ stored: StoredTokens; usable?: Access }> {
  const stored = await slot.read();
  if (!stored) throw missing();
  if (stored.refused) throw refusedAlready(slot.service);
  const accessToken = ctx.cipher.decrypt(stored.accessEnc);
  if (stored.expiresAt.getTime() - ctx.clock.now() > REFRESH_MARGIN_MS && accessToken !== opts.rejected) {
    return { stored, usable: { accessToken, issuedAt: stored.issuedAt } };
  }
  return { stored };
}

async function freshAccess(
  ctx: AppContext,
  key: string,
  slot: TokenSlot,
  missing: () => Error,
  opts: TokenOptions,
): Promise<Access> {
  const { usable } = await readStored(ctx, slot, missing, opts);
  if (usable) return usable;
  let map = inflight.get(ctx);
  if (!map) inflight.set(ctx, (map = new Map()));
  const running = map.get(key);
  if (running) return running;
  const job = refreshSettled(ctx, slot, missing, opts).finally(() => map.delete(key));
  map.set(key, job);
  return job;
}

async function refreshSettled(
  ctx: AppContext,
  slot: TokenSlot,
  missing: () => Error,
  opts: TokenOptions,
): Promise<Access> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { stored, usable } = await readStored(ctx, slot, missing, opts);
    if (usable) return usable;
    let fresh: FreshTokens;
    try {
      fresh = await slot.refresh(ctx.cipher.decrypt(stored.refreshEnc));
    } catch (err) {
      if (!(err instanceof AuthRefusedError)) throw err;
      // Perhaps another process rotated the token a moment ago and is about to store the new pair.
      if (await changedWithin(slot, stored.refreshEnc)) continue;
      await slot.markRefused(stored.refreshEnc);
      ctx.logger.warn({ service: slot.service }, 'refresh token refused: the account needs re-authorization');
      throw err;
    }
    if (await slot.swap(stored.refreshEnc, fresh))
      return { accessToken: fresh.accessToken, issuedAt: fresh.issuedAt };
    // Lost the compare-and-swap: someone stored newer tokens; loop to read and use them.
    ctx.logger.debug({ service: slot.service }, 'token refresh lost the race; using the stored tokens');
  }
  throw new UpstreamError(
    slot.service,
    null,
    true,
    'the access token kept changing while refreshing it; try again',
  );
}

async function changedWithin(slot: TokenSlot, refreshEnc: string): Promise<boolean> {
  const deadline = Date.now() + REFUSAL_GRACE.totalMs;
  for (;;) {
    const now = await slot.read();
    if (!now) return false;
    if (now.refreshEnc !== refreshEnc) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, REFUSAL_GRACE.stepMs));
  }
}

function refusedAlready(service: UpstreamService): AuthRefusedError {
  return new AuthRefusedError(
    service,
    null,
    service === 'moves'
      ? 'Moves no longer accepts this connection: connect the Moves account again'
      : 'Open Humans no longer accepts this sign-in: sign in again',
  );
}

function ohSlot(ctx: AppContext, memberId: number): TokenSlot {
  return {
    service: 'openhumans',
    async read() {
      const [row] = await ctx.db
        .select({
          accessEnc: members.ohAccessToken,
          refreshEnc: members.ohRefreshToken,
          expiresAt: members.ohTokenExpiresAt,
          refused: members.ohNeedsReauth,
        })
        .from(members)
        .where(eq(members.id, memberId));
      return row ? { ...row, issuedAt: row.expiresAt } : undefined;
    },
    async refresh(refreshToken) {
      const t = await ctx.openHumans.refresh(refreshToken);
      return { ...t, issuedAt: ctx.clock.date() };
    },
    async swap(oldRefreshEnc, fresh) {
      const rows = await ctx.db
        .update(members)
        .set({
          ohAccessToken: ctx.cipher.encrypt(fresh.accessToken),
          ohRefreshToken: ctx.cipher.encrypt(fresh.refreshToken),
          ohTokenExpiresAt: fresh.expiresAt,
        })
        .where(and(eq(members.id, memberId), eq(members.ohRefreshToken, oldRefreshEnc)))
        .returning({ id: members.id });
      return rows.length === 1;
    },
    async markRefused(oldRefreshEnc) {
      await ctx.db
        .update(members)
        .set({ ohNeedsReauth: true })
        .where(and(eq(members.id, memberId), eq(members.ohRefreshToken, oldRefreshEnc)));
      ctx.memberViews.changed(memberId);
    },
  };
}

function movesSlot(ctx: AppContext, memberId: number): TokenSlot {
  return {
    service: 'moves',
    async read() {
      const [row] = await ctx.db
        .select({
          accessEnc: movesAccounts.accessToken,
          refreshEnc: movesAccounts.refreshToken,
          expiresAt: movesAccounts.tokenExpiresAt,
          issuedAt: movesAccounts.tokenIssuedAt,
          status: movesAccounts.status,
        })
        .from(movesAccounts)
        .where(eq(movesAccounts.memberId, memberId));
      return row ? { ...row, refused: row.status === 'needs_reauth' } : undefined;
    },
    async refresh(refreshToken) {
      return ctx.moves.refresh(refreshToken);
    },
    async swap(oldRefreshEnc, fresh) {
      const rows = await ctx.db
        .update(movesAccounts)
        .set({
          accessToken: ctx.cipher.encrypt(fresh.accessToken),
          refreshToken: ctx.cipher.encrypt(fresh.refreshToken),
          tokenExpiresAt: fresh.expiresAt,
          tokenIssuedAt: fresh.issuedAt,
        })
        .where(and(eq(movesAccounts.memberId, memberId), eq(movesAccounts.refreshToken, oldRefreshEnc)))
        .returning({ id: movesAccounts.memberId });
      ctx.memberViews.changed(memberId); // the dashboard shows when the Moves token was issued
      return rows.length === 1;
    },
    async markRefused(oldRefreshEnc) {
      await ctx.db
        .update(movesAccounts)
        .set({ status: 'needs_reauth' })
        .where(and(eq(movesAccounts.memberId, memberId), eq(movesAccounts.refreshToken, oldRefreshEnc)));
      ctx.memberViews.changed(memberId);
    },
  };
}

/**
 * A usable Open Humans access token for the member, refreshed when < 60 s remain (or when `rejected` is the
 * stored one). Throws AuthRefusedError (and sets members.ohNeedsReauth) when Open Humans refuses the refresh.
 */
export async function getOhAccessToken(
  ctx: AppContext,
  memberId: number,
  opts: TokenOptions = {},
): Promise<string> {
  return (await ohAccess(ctx, memberId, opts)).accessToken;
}

function ohAccess(ctx: AppContext, memberId: number, opts: TokenOptions): Promise<Access> {
  return freshAccess(
    ctx,
    `oh:${memberId}`,
    ohSlot(ctx, memberId),
    () => new AccountNotFoundError('member', memberId),
    opts,
  );
}

/**
 * A usable Moves access token and when it was issued (the doubled first-hour rate limit). Throws
 * AuthRefusedError (and sets movesAccounts.status = 'needs_reauth') when Moves refuses the refresh.
 */
export function getMovesAccessToken(
  ctx: AppContext,
  memberId: number,
  opts: TokenOptions = {},
): Promise<Access> {
  return freshAccess(
    ctx,
    `moves:${memberId}`,
    movesSlot(ctx, memberId),
    () => new AccountNotFoundError('Moves account', memberId),
    opts,
  );
}

/**
 * Runs `fn` with the member's Open Humans token; if Open Humans answers 401 (token revoked early), refreshes once
 * and tries again. A refused refresh marks the member and throws AuthRefusedError.
 */
export async function withOhAccess<T>(
  ctx: AppContext,
  memberId: number,
  fn: (accessToken: string) => Promise<T>,
): Promise<T> {
  return withAccess(
    (opts) => ohAccess(ctx, memberId, opts),
    (a) => fn(a.accessToken),
  );
}

/** Runs `fn` with a token from `get`; on a 401 from the service, gets a token again past the refused one, once. */
export async function withAccess<T>(
  get: (opts: TokenOptions) => Promise<Access>,
  fn: (access: Access) => Promise<T>,
): Promise<T> {
  let access = await get({});
  return retryAfter401(
    () => fn(access),
    async () => {
      access = await get({ rejected: access.accessToken });
    },
  );
}
