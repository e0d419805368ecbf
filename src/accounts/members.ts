// Open Humans members: created or updated at login (and by the legacy import), tokens always encrypted.
import { eq, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { members } from '../db/schema.ts';
import type { OhMember, OhTokens } from '../openhumans/client.ts';

export interface UpsertMemberOptions {
  /** False for imports: only a real sign-in counts as a login. */
  isLogin?: boolean;
}

/**
 * Creates the member on first sign-in, otherwise stores the fresh token pair (a new code exchange issues a valid
 * pair, so writing it unconditionally is safe: a refresh racing with it loses its compare-and-swap and re-reads).
 */
export async function upsertMemberFromLogin(
  ctx: AppContext,
  p: { member: OhMember; tokens: OhTokens },
  opts: UpsertMemberOptions = {},
): Promise<{ memberId: number; created: boolean; sessionVersion: number; wasRefused: boolean }> {
  const now = ctx.clock.date();
  const isLogin = opts.isLogin ?? true;
  const tokenColumns = {
    ohAccessToken: ctx.cipher.encrypt(p.tokens.accessToken),
    ohRefreshToken: ctx.cipher.encrypt(p.tokens.refreshToken),
    ohTokenExpiresAt: p.tokens.expiresAt,
    ohNeedsReauth: false,
  };
  const [row] = await ctx.db
    .insert(members)
    .values({
      ohMemberId: p.member.projectMemberId,
      ohUsername: p.member.username ?? null,
      ...tokenColumns,
      createdAt: now,
      lastLoginAt: isLogin ? now : null,
    })
    .onConflictDoUpdate({
      target: members.ohMemberId,
      set: {
        ...tokenColumns,
        ...(p.member.username !== undefined ? { ohUsername: p.member.username } : {}),
        ...(isLogin ? { lastLoginAt: now } : {}),
      },
    })
    // xmax = 0 only on a freshly inserted row: tells "created" from "updated" in one statement.
    .returning({
      id: members.id,
      inserted: sql<boolean>`(xmax = 0)`,
      sessionVersion: members.sessionVersion,
      // A subquery in RETURNING reads the row as it was before this statement: had Open Humans refused us?
      wasRefused: sql<boolean>`coalesce((select m.oh_needs_reauth from members m where m.id = members.id), false)`,
    });
  if (!row) throw new Error('member upsert returned no row');
  ctx.memberViews.changed(row.id);
  return {
    memberId: row.id,
    created: Boolean(row.inserted),
    sessionVersion: row.sessionVersion,
    wasRefused: Boolean(row.wasRefused),
  };
}

export async function findMemberByOhId(ctx: AppContext, ohMemberId: string): Promise<number | undefined> {
  const [row] = await ctx.db
    .select({ id: members.id })
    .from(members)
    .where(eq(members.ohMemberId, ohMemberId));
  return row?.id;
}

/**
 * The member's row, locked until the transaction ends, with when their current authorization began: their last
 * sign-in (every sign-in goes through Open Humans' authorization), or their creation for a member carried over
 * by the legacy import.
 */
export async function lockMemberAuthorization(
  ctx: AppContext,
  ohMemberId: string,
): Promise<{ memberId: number; authorizedAt: Date } | undefined> {
  const [row] = await ctx.db
    .select({ id: members.id, lastLoginAt: members.lastLoginAt, createdAt: members.createdAt })
    .from(members)
    .where(eq(members.ohMemberId, ohMemberId))
    .for('update');
  return row && { memberId: row.id, authorizedAt: row.lastLoginAt ?? row.createdAt };
}

/** A removal older than this was cut short (a crash): it no longer stops the member's syncs. */
export const REMOVAL_FLAG_MAX_AGE_MS = 15 * 60_000;

/** Marks (on) or clears (off) "a removal of this member's data is under way" (see `members.removalStartedAt`). */
export async function markRemovalStarted(ctx: AppContext, memberId: number, on: boolean): Promise<void> {
  await ctx.db
    .update(members)
    .set({ removalStartedAt: on ? ctx.clock.date() : null })
    .where(eq(members.id, memberId));
}

/** Whether a removal of the member's data is under way (a member already gone counts as removed). */
export async function removalUnderWay(ctx: AppContext, memberId: number): Promise<boolean> {
  const [row] = await ctx.db
    .select({ startedAt: members.removalStartedAt })
    .from(members)
    .where(eq(members.id, memberId));
  if (!row) return true;
  return row.startedAt !== null && ctx.clock.now() - row.startedAt.getTime() < REMOVAL_FLAG_MAX_AGE_MS;
}

/** Open Humans refused the member's tokens: they must sign in again (a new sign-in clears it). */
export async function markOhRefused(ctx: AppContext, memberId: number): Promise<void> {
  await ctx.db.update(members).set({ ohNeedsReauth: true }).where(eq(members.id, memberId));
  ctx.memberViews.changed(memberId);
}

/** Deletes the member; the foreign keys cascade to every row that still refers to them. */
export async function removeMember(ctx: AppContext, memberId: number): Promise<void> {
  await ctx.db.delete(members).where(eq(members.id, memberId));
  ctx.memberViews.changed(memberId);
}
