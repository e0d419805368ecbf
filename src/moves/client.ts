// The Moves API v1.1 client: OAuth2 (code exchange, rotating refresh), profile, weekly storylines with track
// points, and changed-day discovery. Bearer header on every API call; every response validated before use.
import type { MovesLocalization } from '../storyline/units.ts';
import { dayStepTotals, type DayStepsEntry } from '../storyline/day-steps.ts';
import type { Clock } from '../util/clock.ts';
import type { Metrics } from '../metrics.ts';
import { systemClock } from '../util/clock.ts';
import { UpstreamError } from '../upstream/errors.ts';
import { UpstreamHttp, type UpstreamResponse } from '../upstream/http.ts';
import { tokenError } from '../upstream/oauth.ts';
import { parseBody } from '../upstream/json.ts';
import { screenDays, type RejectedDay } from './day-limits.ts';
import { parseRateHeaders, type RateHeaders } from './rate-headers.ts';
import { movesDayList, movesProfileResponse, movesTokenResponse } from './schemas.ts';
import { datesOfWeek, isValidWeek, MOVES_DATE, parseMovesDate } from './weeks.ts';

export type { RateHeaders } from './rate-headers.ts';

export interface MovesTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  /** When the token was issued (our clock): Moves doubles the rate limit for the first hour. */
  issuedAt: Date;
  /** Decimal text, exact (Moves ids exceed 2^53). */
  userId: string;
}

export interface MovesProfile {
  userId: string;
  firstDate: string /* yyyyMMdd */;
  timeZone: string /* IANA */;
  /** Units, first weekday and locale, when the profile has them. */
  localization?: MovesLocalization;
}

export interface WeekResponse {
  week: string;
  /** The JSON array text exactly as Moves sent it: stored and later concatenated into the published file. */
  daysJson: string;
  dates: string[];
  lastUpdates: (string | null)[];
  /** Each kept day's step total, from the days parsed for validation (the store keeps them beside the week). */
  daySteps: DayStepsEntry[];
  /** The kept day objects as parsed for validation: the store summarises them without parsing the text again. */
  days: unknown[];
  /** Days refused for their size (never stored): the sync records them as an event. */
  rejected: RejectedDay[];
  rate: RateHeaders | null;
}

export interface MovesClientOptions {
  clientId: string;
  clientSecret: string;
  /** e.g. https://api.moves-app.com (no trailing slash). */
  apiBase: string;
  redirectUri: string;
  metrics?: Metrics;
  clock?: Clock;
  /** Per-call timeout for API and token calls (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
}

const SCOPE = 'activity location';

export class MovesClient {
  private readonly http: UpstreamHttp;
  private readonly base: string;
  private readonly clock: Clock;

  private readonly opts: MovesClientOptions;

  constructor(opts: MovesClientOptions) {
    this.opts = opts;
    this.base = opts.apiBase.replace(/\/+$/, '');
    this.clock = opts.clock ?? systemClock();
    this.http = new UpstreamHttp({
      service: 'moves',
      metrics: opts.metrics,
      timeoutMs: opts.timeoutMs ?? 30_000,
      userAgent: opts.userAgent ?? 'oh-moves',
    });
  }

  /** The desktop (PIN) authorization page. The scope's space is %20: Moves rejects "+". */
  authorizeUrl(p: { state: string }): string {
    const q = [
      ['response_type', 'code'],
      ['client_id', this.opts.clientId],
      ['scope', SCOPE],
      ['redirect_uri', this.opts.redirectUri],
      ['state', p.state],
    ]
      .map(([k, v]) => `${k}=${encodeURIComponent(v!)}`)
      .join('&');
    return `${this.base}/oauth/v1/authorize?${q}`;
  }

  exchangeCode(code: string): Promise<MovesTokens> {
    return this.tokenRequest(
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.opts.redirectUri,
      },
      'exchanging the authorization code',
    );
  }

  /** Moves rotates refresh tokens: store the returned refreshToken, the old one is dead. */
  refresh(refreshToken: string): Promise<MovesTokens> {
    return this.tokenRequest(
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      'refreshing the access token',
    );
  }

  async profile(accessToken: string): Promise<{ profile: MovesProfile; rate: RateHeaders | null }> {
    const what = 'fetching the profile';
    const res = await this.api(accessToken, '/user/profile', what);
    const body = withRate(res, () =>
      parseBody(res.text, movesProfileResponse, { service: 'moves', what, lossless: true }),
    );
    return {
      profile: {
        userId: body.userId,
        firstDate: body.profile.firstDate,
        timeZone: body.profile.currentTimeZone.id,
        ...(body.profile.localization ? { localization: body.profile.localization } : {}),
      },
      rate: parseRateHeaders(res.response.headers),
    };
  }

  /**
   * One ISO week of storyline with track points. The raw array text is returned unchanged after validation,
   * unless a day broke the size limits (day-limits.ts): then it is left out and named in `rejected`.
   */
  async storylineWeek(accessToken: string, week: string): Promise<WeekResponse> {
    if (!isValidWeek(week)) throw new RangeError(`not an ISO week id (yyyy-Www): "${week}"`);
    const what = `fetching the storyline of week ${week}`;
    const res = await this.api(accessToken, `/user/storyline/daily/${week}?trackPoints=true`, what);
    const days = withRate(res, () => parseBody(res.text, movesDayList, { service: 'moves', what }));
    const allowed = new Set(datesOfWeek(week));
    let previous = '';
    for (const day of days) {
      if (!allowed.has(day.date) || day.date <= previous) {
        const err = new UpstreamError(
          'moves',
          res.response.status,
          true,
          `Moves sent a day (${day.date}) that is outside week ${week} or out of order (${what})`,
        );
        err.rate = parseRateHeaders(res.response.headers);
        throw err;
      }
      previous = day.date;
    }
    const screened = screenDays(res.text);
    const refused = new Set(screened.rejected.map((r) => r.date));
    const kept = refused.size ? days.filter((d) => !refused.has(d.date)) : days;
    return {
      week,
      daysJson: screened.daysJson,
      dates: kept.map((d) => d.date),
      lastUpdates: kept.map((d) => d.lastUpdate ?? null),
      daySteps: dayStepTotals(kept),
      days: kept,
      rejected: screened.rejected,
      rate: parseRateHeaders(res.response.headers),
    };
  }

  /** Days between from and to (yyyyMMdd, ≤ 31 days) whose data changed since `updatedSince`. */
  async changedDays(
    accessToken: string,
    p: { from: string; to: string; updatedSince: Date },
  ): Promise<{ dates: string[]; rate: RateHeaders | null }> {
    if (!MOVES_DATE.test(p.from) || !MOVES_DATE.test(p.to))
      throw new RangeError('from and to must be yyyyMMdd');
    const span = parseMovesDate(p.to).diff(parseMovesDate(p.from), 'days').days;
    if (span < 0 || span > 30) throw new RangeError('changedDays covers 1 to 31 days, from ≤ to');
    const since = p.updatedSince
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
    const what = `looking for changed days ${p.from}–${p.to}`;
    const res = await this.api(
      accessToken,
      `/user/summary/daily?from=${p.from}&to=${p.to}&updatedSince=${since}`,
      what,
    );
    const days = withRate(res, () => parseBody(res.text, movesDayList, { service: 'moves', what }));
    return { dates: days.map((d) => d.date), rate: parseRateHeaders(res.response.headers) };
  }

  private async api(accessToken: string, path: string, what: string): Promise<UpstreamResponse> {
    const res = await this.http.send(`${this.base}/api/1.1${path}`, {
      what,
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (res.response.status !== 200) throw this.http.statusError(res, what);
    return res;
  }

  private async tokenRequest(params: Record<string, string>, what: string): Promise<MovesTokens> {
    const body = new URLSearchParams({
      ...params,
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
    });
    const res = await this.http.send(`${this.base}/oauth/v1/access_token`, { method: 'POST', body, what });
    if (res.response.status !== 200) throw tokenError(this.http, res, what);
    const issuedAt = this.clock.date();
    const t = parseBody(res.text, movesTokenResponse, { service: 'moves', what, lossless: true });
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresAt: new Date(issuedAt.getTime() + t.expires_in * 1000),
      issuedAt,
      userId: t.user_id,
    };
  }
}

/** Keeps the quota headers of a 200 whose body failed validation: the request still counted against the quota. */
function withRate<T>(res: UpstreamResponse, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UpstreamError) err.rate ??= parseRateHeaders(res.response.headers);
    throw err;
  }
}
