// Every Moves API call of a sync goes through here: one request taken from the shared budget first, the
// response's X-RateLimit-* headers fed back, quick retries for failures that may pass. When the budget is spent
// it throws BudgetSpentError with the reset time, so the job checkpoints and hands the member back to the queue.
import type { AppContext } from '../context.ts';
import type { MovesProfile, RateHeaders, WeekResponse } from '../moves/client.ts';
import { AuthRefusedError, RateLimitedError, isRetryable } from '../upstream/errors.ts';
import { QUICK_RETRIES, quickRetryDelayMs, sleep } from './backoff.ts';
import { currentWindows, type BudgetAccount, type BudgetTicket } from './rate-budget.ts';
import { boundaryGuardMs } from './rate-window.ts';
import { retryAfter401 } from '../upstream/retry-after-401.ts';

/**
 * The longest a job waits in its worker slot for a window to reset (real ms): a continuation is queued to start
 * a little before the reset (REQUEUE_LEAD_MS) so that pg-boss's polling does not add to the pause, and the
 * job waits out the remaining moment here. Anything longer checkpoints and goes back to the queue.
 */
export const MAX_INLINE_WAIT_MS = 1_000;
/** Inline waits in a row before the job gives its slot back anyway (another process may be taking the budget). */
export const MAX_INLINE_WAITS = 2;

export class BudgetSpentError extends Error {
  override name = 'BudgetSpentError';
  readonly resetAt: Date;
  readonly window: 'minute' | 'hour';
  readonly after429: boolean;

  constructor(resetAt: Date, window: 'minute' | 'hour', after429: boolean) {
    super(`The Moves rate limit for this ${window} is used up`);
    this.resetAt = resetAt;
    this.window = window;
    this.after429 = after429;
  }
}

export class ShutdownError extends Error {
  override name = 'ShutdownError';
  constructor() {
    super('The worker is shutting down; the sync continues in the next run');
  }
}

export interface MovesAccess {
  accessToken: string;
  issuedAt: Date;
}

export class BudgetedMoves {
  /** Requests sent in this job (for events and tests). */
  requests = 0;
  /** Short waits for a reset inside the job (see MAX_INLINE_WAIT_MS). */
  inlineWaits = 0;
  private refreshed = false;

  private readonly ctx: AppContext;
  private readonly memberId: number;
  private readonly account: BudgetAccount;
  private accessToken: string;
  /** Gets a new token after Moves refused `rejected` (401); throws AuthRefusedError when it cannot. */
  private readonly renew: (rejected: string) => Promise<MovesAccess>;

  constructor(
    ctx: AppContext,
    memberId: number,
    account: BudgetAccount,
    accessToken: string,
    renew: (rejected: string) => Promise<MovesAccess>,
  ) {
    this.ctx = ctx;
    this.memberId = memberId;
    this.account = account;
    this.accessToken = accessToken;
    this.renew = renew;
  }

  profile(): Promise<MovesProfile> {
    return this.call(async () => {
      const r = await this.ctx.moves.profile(this.accessToken);
      return { value: r.profile, rate: r.rate };
    });
  }

  week(week: string): Promise<WeekResponse> {
    return this.call(async () => {
      const r = await this.ctx.moves.storylineWeek(this.accessToken, week);
      return { value: r, rate: r.rate };
    });
  }

  changedDays(p: { from: string; to: string; updatedSince: Date }): Promise<string[]> {
    return this.call(async () => {
      const r = await this.ctx.moves.changedDays(this.accessToken, p);
      return { value: r.dates, rate: r.rate };
    });
  }

  /** A request from the budget; a reset at most MAX_INLINE_WAIT_MS away is waited for here. */
  private async take(): Promise<BudgetTicket> {
    const { ctx } = this;
    for (let waits = 0; ; waits++) {
      if (ctx.shutdownSignal.aborted) throw new ShutdownError();
      await this.waitOutWindowEdge();
      const taken = await ctx.rateBudget.take(this.account);
      if (taken.ok) return taken.ticket;
      // Only a job that has not sent anything yet waits in its slot: a continuation picked up just before the
      // reset it was queued for. A job that used the window up checkpoints and goes back to the queue.
      const wait = taken.resetAt.getTime() - ctx.clock.now();
      if (this.requests > 0 || wait > MAX_INLINE_WAIT_MS || waits >= MAX_INLINE_WAITS)
        throw new BudgetSpentError(taken.resetAt, taken.kind, false);
      // Not counted in rate_limit_waits: this is the end of the pause the stop before it counted.
      this.inlineWaits++;
      await sleep(Math.max(0, wait) + 1, ctx.shutdownSignal);
    }
  }

  /** One Moves call with quick retries; a 401 renews the token once per job (retryAfter401), then is final. */
  private call<T>(fn: () => Promise<{ value: T; rate: RateHeaders | null }>): Promise<T> {
    return retryAfter401(
      () => this.attempts(fn),
      async (refused) => {
        // An access token can be revoked before it expires: one refresh, then a refusal is final.
        if (this.refreshed) throw refused;
        this.refreshed = true;
        const next = await this.renew(this.accessToken);
        this.accessToken = next.accessToken;
        this.account.tokenIssuedAt = next.issuedAt;
      },
    );
  }

  private async attempts<T>(fn: () => Promise<{ value: T; rate: RateHeaders | null }>): Promise<T> {
    const { ctx } = this;
    for (let attempt = 0; ; attempt++) {
      const ticket = await this.take();
      this.requests++;
      try {
        const r = await fn();
        await ctx.rateBudget.correctFromHeaders(ticket, r.rate);
        return r.value;
      } catch (err) {
        if (err instanceof RateLimitedError) {
          // Our budget should make this impossible: a defect signal, recorded loudly, never the control loop.
          const resetAt = await ctx.rateBudget.markSpent(ticket, err.rate);
          ctx.logger.warn(
            { memberId: this.memberId, rate: err.rate },
            'Moves answered 429 despite the budget',
          );
          await ctx.syncState.recordEvent(
            this.memberId,
            'http_429',
            'Moves refused a request as over its rate limit',
            {
              rate: err.rate,
              resetAt: resetAt.toISOString(),
            },
          );
          throw new BudgetSpentError(
            resetAt,
            err.rate && err.rate.hourRemaining <= 0 ? 'hour' : 'minute',
            true,
          );
        }
        if (err instanceof AuthRefusedError || !isRetryable(err) || attempt >= QUICK_RETRIES) throw err;
        ctx.logger.info({ memberId: this.memberId, err, attempt }, 'Moves call failed; retrying');
        await sleep(quickRetryDelayMs(attempt), ctx.shutdownSignal);
      }
    }
  }

  /** A request in the last moments of a window may be counted in the next one by Moves: wait for the edge. */
  private async waitOutWindowEdge(): Promise<void> {
    const { minute } = currentWindows(this.ctx, this.account);
    const left = minute.end - this.ctx.clock.now();
    if (left < boundaryGuardMs(this.ctx.config.moves.timeScale))
      await sleep(left + 1, this.ctx.shutdownSignal);
  }
}
