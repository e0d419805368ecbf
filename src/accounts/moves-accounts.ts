// Connected Moves accounts: one Moves account ↔ one member, tokens encrypted, profile facts cached.
import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { movesAccounts, type MovesAccountStatus } from '../db/schema.ts';
import type { MovesProfile, MovesTokens } from '../moves/client.ts';

export type ConnectResult =
  | {
      ok: true;
      /** True when the member had a different Moves account before (its data is not this one's). */ changedAccount: boolean;
    }
  | { ok: false; reason: 'linked_to_other_member' };

/**
 * Links the Moves account in `tokens` to the member, or refreshes the link's tokens when it is the same account.
 * Refuses (and changes nothing) when that Moves account belongs to another member: the original app silently
 * gave member A's record member B's tokens.
 */
export async function connectMovesAccount(
  ctx: AppContext,
  memberId: number,
  tokens: MovesTokens,
  profile?: Pick<MovesProfile, 'firstDate' | 'timeZone'>,
): Promise<ConnectResult> {
  const [owner] = await ctx.db
    .select({ memberId: movesAccounts.memberId })
    .from(movesAccounts)
    .where(eq(movesAccounts.movesUserId, tokens.userId));
  if (owner && owner.memberId !== memberId) return { ok: false, reason: 'linked_to_other_member' };
  const [previous] = await ctx.db
    .select({ movesUserId: movesAccounts.movesUserId })
    .from(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId));
  const now = ctx.clock.date();
  const tokenColumns = {
    movesUserId: tokens.userId,
    accessToken: ctx.cipher.encrypt(tokens.accessToken),
    refreshToken: ctx.cipher.encrypt(tokens.refreshToken),
    tokenExpiresAt: tokens.expiresAt,
    tokenIssuedAt: tokens.issuedAt,
    status: 'connected' as const,
  };
  try {
    await ctx.db
      .insert(movesAccounts)
      .values({
        memberId,
        ...tokenColumns,
        firstDate: profile?.firstDate ?? null,
        timeZone: profile?.timeZone ?? null,
        connectedAt: now,
      })
      .onConflictDoUpdate({
        target: movesAccounts.memberId,
        set: {
          ...tokenColumns,
          // Profile facts belong to the Moves account: keep them only when it is the same account.
          firstDate: profile
            ? profile.firstDate
            : sql`case when ${movesAccounts.movesUserId} = ${tokens.userId} then ${movesAccounts.firstDate} else null end`,
          timeZone: profile
            ? profile.timeZone
            : sql`case when ${movesAccounts.movesUserId} = ${tokens.userId} then ${movesAccounts.timeZone} else null end`,
          connectedAt: sql`case when ${movesAccounts.movesUserId} = ${tokens.userId} then ${movesAccounts.connectedAt} else ${now} end`,
        },
      });
  } catch (err) {
    // Another member linked the same Moves account between our check and the insert.
    if (isUniqueViolation(err)) return { ok: false, reason: 'linked_to_other_member' };
    throw err;
  }
  ctx.memberViews.changed(memberId);
  return { ok: true, changedAccount: previous !== undefined && previous.movesUserId !== tokens.userId };
}

/** Caches the profile facts the sync needs (first day with data, current time zone). */
export async function saveMovesProfile(
  ctx: AppContext,
  memberId: number,
  profile: Pick<MovesProfile, 'firstDate' | 'timeZone'>,
): Promise<void> {
  await ctx.db
    .update(movesAccounts)
    .set({ firstDate: profile.firstDate, timeZone: profile.timeZone })
    .where(eq(movesAccounts.memberId, memberId));
  ctx.memberViews.changed(memberId);
}

export interface MovesAccountInfo {
  memberId: number;
  movesUserId: string;
  status: MovesAccountStatus;
  firstDate: string | null;
  timeZone: string | null;
  tokenIssuedAt: Date;
  connectedAt: Date;
}

/** The account's columns without its tokens (for the pages, admin and the sync planner). */
export const movesAccountInfo = {
  memberId: movesAccounts.memberId,
  movesUserId: movesAccounts.movesUserId,
  status: movesAccounts.status,
  firstDate: movesAccounts.firstDate,
  timeZone: movesAccounts.timeZone,
  tokenIssuedAt: movesAccounts.tokenIssuedAt,
  connectedAt: movesAccounts.connectedAt,
};

export async function getMovesAccount(
  ctx: AppContext,
  memberId: number,
): Promise<MovesAccountInfo | undefined> {
  const [row] = await ctx.db
    .select(movesAccountInfo)
    .from(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId));
  return row;
}

export async function movesAccountByUserId(
  ctx: AppContext,
  movesUserId: string,
): Promise<MovesAccountInfo | undefined> {
  const [row] = await ctx.db
    .select(movesAccountInfo)
    .from(movesAccounts)
    .where(eq(movesAccounts.movesUserId, movesUserId));
  return row;
}

/** Moves refused the account's tokens: the member must connect it again (a new connection clears it). */
export async function markMovesRefused(ctx: AppContext, memberId: number): Promise<void> {
  await ctx.db
    .update(movesAccounts)
    .set({ status: 'needs_reauth' })
    .where(eq(movesAccounts.memberId, memberId));
  ctx.memberViews.changed(memberId);
}

/** Removes the Moves link; the Moves user id it had (null when there was none). */
export async function removeMovesAccount(ctx: AppContext, memberId: number): Promise<string | null> {
  const [row] = await ctx.db
    .delete(movesAccounts)
    .where(eq(movesAccounts.memberId, memberId))
    .returning({ movesUserId: movesAccounts.movesUserId });
  ctx.memberViews.changed(memberId);
  return row?.movesUserId ?? null;
}

export function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === '23505') return true;
    e = e.cause as typeof e;
  }
  return false;
}
