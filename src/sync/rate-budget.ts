// The shared Moves rate budget, kept in the database so every worker process on every machine draws from it.
// One atomic statement per window ("insert … on conflict do update … where used < limit returning") makes the
// count exact under concurrency on PGlite and PostgreSQL alike. The minute window is taken before the hour one
// and refunded when the hour is full, so a refused request never burns hour quota.
import type { AppContext } from '../context.ts';
import type { RateHeaders } from '../moves/rate-headers.ts';
import { correctedUsed, effectiveLimits, windowAt, type Window } from './rate-window.ts';

export interface BudgetAccount {
  movesUserId: string;
  tokenIssuedAt: Date | null;
  /** A routine update (scheduler, notification): capped at ROUTINE_SHARE of a shared per-app window. */
  routine?: boolean;
}

/**
 * Routine updates may fill at most this share of any per-app window; the rest is always there for new members'
 * backfills and "Update now". (An unchanged routine update costs at most 3 requests: 10,000 members need well
 * under a quarter of 2,000 an hour, see docs/performance.md.)
 */
export const ROUTINE_SHARE = 0.5;

/** How many requests of window `w` this account may use. */
function capFor(ctx: AppContext, account: BudgetAccount, w: Window): number {
  if (!account.routine || ctx.config.moves.rateScope !== 'app') return w.limit;
  return Math.max(1, Math.floor(w.limit * ROUTINE_SHARE));
}

/** A granted request: which windows it was counted in, to correct them from the response headers. */
export interface BudgetTicket {
  bucket: string;
  minute: Window;
  hour: Window;
  /** Our count in each window right after this request was taken. */
  used: { minute: number; hour: number };
}

export type TakeResult =
  { ok: true; ticket: BudgetTicket } | { ok: false; resetAt: Date; kind: Window['kind'] };

export function bucketKey(ctx: AppContext, account: BudgetAccount): string {
  return ctx.config.moves.rateScope === 'app'
    ? `app:${ctx.config.moves.clientId}`
    : `user:${ctx.config.moves.clientId}:${account.movesUserId}`;
}

const rowKey = (bucket: string, w: Window) => `${bucket}:${w.kind === 'minute' ? 'm' : 'h'}`;

/** Counts one request in the window; the new count, or null when the window is full. */
async function increment(ctx: AppContext, key: string, w: Window, cap: number): Promise<number | null> {
  const { rows } = await ctx.database.sql.query<{ used: number }>(
    `insert into rate_budget (bucket, window_start, used, expires_at) values ($1, $2, 1, $3)
     on conflict (bucket, window_start) do update set used = rate_budget.used + 1
       where rate_budget.used < $4
     returning used`,
    [key, w.start, new Date(w.end), cap],
  );
  return rows[0] ? Number(rows[0].used) : null;
}

async function raiseTo(ctx: AppContext, key: string, w: Window, used: number): Promise<void> {
  await ctx.database.sql.query(
    `insert into rate_budget (bucket, window_start, used, expires_at) values ($1, $2, $3, $4)
     on conflict (bucket, window_start) do update set used = greatest(rate_budget.used, excluded.used)`,
    [key, w.start, used, new Date(w.end)],
  );
}

export function currentWindows(ctx: AppContext, account: BudgetAccount): { minute: Window; hour: Window } {
  const now = ctx.clock.now();
  const { moves } = ctx.config;
  const limits = effectiveLimits({
    base: { minute: moves.minuteLimit, hour: moves.hourLimit },
    scope: moves.rateScope,
    tokenIssuedAt: account.tokenIssuedAt,
    now,
    timeScale: moves.timeScale,
  });
  return {
    minute: windowAt('minute', now, moves.timeScale, limits.minute),
    hour: windowAt('hour', now, moves.timeScale, limits.hour),
  };
}

/** Takes one request from the budget, or says when the window that is full resets. */
async function takeRequest(ctx: AppContext, account: BudgetAccount): Promise<TakeResult> {
  const bucket = bucketKey(ctx, account);
  const { minute, hour } = currentWindows(ctx, account);
  const minuteUsed = await increment(ctx, rowKey(bucket, minute), minute, capFor(ctx, account, minute));
  if (minuteUsed === null) return { ok: false, resetAt: new Date(minute.end), kind: 'minute' };
  const hourUsed = await increment(ctx, rowKey(bucket, hour), hour, capFor(ctx, account, hour));
  if (hourUsed === null) {
    await ctx.database.sql.query(
      `update rate_budget set used = used - 1 where bucket = $1 and window_start = $2 and used > 0`,
      [rowKey(bucket, minute), minute.start],
    );
    return { ok: false, resetAt: new Date(hour.end), kind: 'hour' };
  }
  return { ok: true, ticket: { bucket, minute, hour, used: { minute: minuteUsed, hour: hourUsed } } };
}

/**
 * Lowers our remaining quota when Moves reports fewer requests left than we think. Applied only while the
 * window the request was counted in is still current (a reply that crosses a reset says nothing about it).
 */
async function correctFromHeaders(
  ctx: AppContext,
  ticket: BudgetTicket,
  rate: RateHeaders | null,
): Promise<void> {
  if (!rate) return;
  const now = ctx.clock.now();
  for (const [w, remaining, ours] of [
    [ticket.minute, rate.minuteRemaining, ticket.used.minute],
    [ticket.hour, rate.hourRemaining, ticket.used.hour],
  ] as const) {
    if (now >= w.end) continue;
    // Only a Moves count above ours needs a write (the hot path: usually both count the same requests).
    const used = correctedUsed(ours, w.limit, remaining);
    if (used > ours) await raiseTo(ctx, rowKey(ticket.bucket, w), w, used);
  }
}

/** After a real 429: the window Moves refused is spent until its reset. Returns that reset. */
async function markSpent(ctx: AppContext, ticket: BudgetTicket, rate: RateHeaders | null): Promise<Date> {
  // Moves' headers say which window is out; without them assume the minute one, and the hour if it is low too.
  const hourOut = rate ? rate.hourRemaining <= 0 : false;
  const w = hourOut ? ticket.hour : ticket.minute;
  await raiseTo(ctx, rowKey(ticket.bucket, w), w, w.limit);
  return new Date(Math.max(w.end, ctx.clock.now()));
}

/** Drops windows that ended (housekeeping, once per job). */
async function pruneBudget(ctx: AppContext): Promise<void> {
  await ctx.database.sql.query(`delete from rate_budget where expires_at < $1`, [
    new Date(ctx.clock.now() - 60_000),
  ]);
}

/** The owner of `rate_budget` on the context (`ctx.rateBudget`): the shared Moves budget, bound to a context. */
export interface RateBudget {
  /** Takes one request from the budget, or says when the window that is full resets. */
  take(account: BudgetAccount): Promise<TakeResult>;
  /** Lowers our remaining quota when Moves reports fewer requests left than we think. */
  correctFromHeaders(ticket: BudgetTicket, rate: RateHeaders | null): Promise<void>;
  /** After a real 429: the window Moves refused is spent until its reset. Returns that reset. */
  markSpent(ticket: BudgetTicket, rate: RateHeaders | null): Promise<Date>;
  /** Drops windows that ended (housekeeping, once per job). */
  prune(): Promise<void>;
}

export function createRateBudget(ctx: AppContext): RateBudget {
  return {
    take: (account) => takeRequest(ctx, account),
    correctFromHeaders: (ticket, rate) => correctFromHeaders(ctx, ticket, rate),
    markSpent: (ticket, rate) => markSpent(ctx, ticket, rate),
    prune: () => pruneBudget(ctx),
  };
}
