// The data API under /api/1.1 (§3): auth, scopes, rate limits, period selection and the four day projections.
import { applyNameOverrides } from './name-overrides.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ACTIVITY_CATALOG } from './activity-catalog.ts';
import type { EmulatorContext } from './context.ts';
import { isValidZone, ordinalAt, zoneOffsetMinutes } from './dates.ts';
import { StorylineSource } from './generator.ts';
import { dataResponse, etagMatches, sendData, sendText, type DataResponse } from './http-response.ts';
import type { DayModel } from './model.ts';
import { sendNotFound } from './html-pages.ts';
import { flatten } from './oauth-routes.ts';
import { checkAccessToken, tokenFromRequest } from './oauth-tokens.ts';
import { resolvePeriod } from './periods.ts';
import { toActivitiesDay, toPlacesDay, toStorylineDay, toSummaryDay } from './projections.ts';
import type { RateState } from './rate-limiter.ts';
import { toMovesJson } from './serializer.ts';
import type { AccessToken, EmulatedUser } from './store.ts';
import { parseMovesTimestamp } from './time-format.ts';
import { userTraits } from './user-traits.ts';

const KINDS = {
  summary: { scopes: ['activity'], project: (m: DayModel) => toSummaryDay(m) },
  activities: { scopes: ['activity'], project: (m: DayModel) => toActivitiesDay(m) },
  places: { scopes: ['location'], project: (m: DayModel) => toPlacesDay(m) },
  storyline: {
    scopes: ['activity', 'location'],
    project: (m: DayModel, tp: boolean) => toStorylineDay(m, tp),
  },
} as const;
type Kind = keyof typeof KINDS;

function setRateHeaders(reply: FastifyReply, r: RateState): void {
  reply
    .header('x-ratelimit-hourlimit', String(r.hourLimit))
    .header('x-ratelimit-hourremaining', String(r.hourRemaining))
    .header('x-ratelimit-minutelimit', String(r.minuteLimit))
    .header('x-ratelimit-minuteremaining', String(r.minuteRemaining));
}

type Outcome = { status: number; text: string } | { data: DataResponse };

/** The handler of every API call's common envelope, bound to the emulator. */
function apiEnvelope(ctx: EmulatorContext) {
  const rateKey = (t: AccessToken): string =>
    ctx.config.rateScope === 'app' ? t.grant.clientId : `${t.grant.clientId}|${t.grant.userId}`;

  const rateParams = (t: AccessToken | undefined) => {
    const now = ctx.clock.now();
    const boostMs = ctx.clock.scaled(ctx.config.behaviour.newTokenBoostSeconds * 1000);
    return {
      now,
      timeScale: ctx.config.timeScale,
      minuteLimit: ctx.config.minuteLimit,
      hourLimit: ctx.config.hourLimit,
      boosted: t !== undefined && now - t.issuedAt < boostMs,
    };
  };

  /**
   * The common envelope of every API call: token → 401, quota → 429, then the handler's outcome, with the
   * X-RateLimit-* headers on every answer.
   */
  async function handle(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: { scopes: readonly string[]; requireAuth?: boolean },
    produce: (user: EmulatedUser | undefined) => Outcome,
  ): Promise<FastifyReply> {
    const check = checkAccessToken(
      ctx,
      tokenFromRequest(request.headers, request.query as Record<string, unknown>),
    );
    const requireAuth = opts.requireAuth ?? true;
    if (!check.ok && requireAuth) {
      const known = check.token;
      const state = known
        ? ctx.limiter.hit(rateKey(known), rateParams(known), false)
        : ctx.limiter.hit('anonymous', rateParams(undefined), false);
      setRateHeaders(reply, state);
      const body =
        check.reason === 'missing'
          ? 'missing_access_token'
          : check.reason === 'unknown'
            ? ctx.config.behaviour.unknownTokenBody
            : 'expired_access_token';
      return sendText(reply, 401, body);
    }
    const token = check.ok ? check.token : undefined;
    const key = token ? rateKey(token) : `anonymous|${request.ip}`;
    const params = rateParams(token);
    const before = ctx.limiter.hit(key, params, false);
    if (!before.allowed) {
      setRateHeaders(reply, before);
      return reply
        .code(429)
        .header('content-type', 'application/json; charset=utf-8')
        .send('{"message":"Too Many Requests"}');
    }
    const user = token ? ctx.store.users.get(token.grant.userId) : undefined;
    let outcome: Outcome;
    if (token && !opts.scopes.every((s) => token.grant.scope.includes(s))) {
      outcome = {
        status: ctx.config.behaviour.wrongScopeStatus,
        text: `insufficient_scope: requires ${opts.scopes.join(' and ')}`,
      };
    } else if (token && !user) {
      outcome = { status: 401, text: 'expired_access_token' };
    } else {
      outcome = produce(user);
    }
    const notModified =
      'data' in outcome && etagMatches(headerString(request.headers['if-none-match']), outcome.data.etag);
    const consume = !notModified || ctx.config.behaviour.countNotModified;
    setRateHeaders(reply, consume ? ctx.limiter.hit(key, params, true) : before);
    if ('data' in outcome) {
      sendData(request, reply, outcome.data);
      return reply;
    }
    return sendText(reply, outcome.status, outcome.text);
  }

  return handle;
}

export function registerApiRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const handle = apiEnvelope(ctx);

  app.get('/api/1.1/user/profile', (request, reply) =>
    handle(request, reply, { scopes: [] }, (user) => {
      const u = user!;
      const t = userTraits(u.seed);
      const offset = zoneOffsetMinutes(u.timeZone, ctx.clock.now()) * 60;
      const body = `{"userId":${u.userId},"profile":${toMovesJson({
        firstDate: u.firstDate,
        currentTimeZone: { id: u.timeZone, offset },
        localization: {
          language: t.language,
          locale: t.locale,
          firstWeekDay: t.firstWeekDay,
          metric: t.metric,
        },
        caloriesAvailable: t.caloriesAvailable,
        platform: t.platform,
      })}}`;
      return { data: dataResponse(body) };
    }),
  );

  app.get('/api/1.1/activities', (request, reply) =>
    handle(request, reply, { scopes: [], requireAuth: ctx.config.behaviour.activitiesRequireAuth }, () => ({
      data: dataResponse(toMovesJson(ACTIVITY_CATALOG)),
    })),
  );

  const daily = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const params = request.params as { kind?: string; period?: string };
    const kind = params.kind as Kind;
    if (!Object.hasOwn(KINDS, kind)) return sendNotFound(reply);
    return handle(request, reply, { scopes: KINDS[kind].scopes }, (user) =>
      dailyOutcome(ctx, user!, kind, params.period, flatten(request.query)),
    );
  };
  app.get('/api/1.1/user/:kind/daily', daily);
  app.get('/api/1.1/user/:kind/daily/:period', daily);
}

function headerString(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h.join(',') : h;
}

function dailyOutcome(
  ctx: EmulatorContext,
  user: EmulatedUser,
  kind: Kind,
  period: string | undefined,
  q: Record<string, string | undefined>,
): Outcome {
  const bad = (text: string): Outcome => ({ status: 400, text });
  let trackPoints = false;
  if (q.trackPoints !== undefined) {
    if (q.trackPoints !== 'true' && q.trackPoints !== 'false')
      return bad('trackPoints must be true or false');
    trackPoints = kind === 'storyline' && q.trackPoints === 'true';
  }
  const zone = q.timeZone ?? user.timeZone;
  if (!isValidZone(zone)) return bad(`Unknown timeZone ${zone}`);
  let updatedSince: number | undefined;
  if (q.updatedSince !== undefined) {
    const t = parseMovesTimestamp(q.updatedSince);
    if (t === null) return bad("updatedSince must be yyyyMMdd'T'HHmmssZ");
    updatedSince = t;
  }
  const now = ctx.config.storylineAtMs ?? ctx.clock.now();
  const source = new StorylineSource(user, ctx.config.behaviour);
  const range = resolvePeriod(
    { period, from: q.from, to: q.to, pastDays: q.pastDays },
    {
      firstOrdinal: source.firstOrdinal,
      todayOrdinal: ordinalAt(now, zone),
      maxDays: trackPoints ? 7 : 31,
      trackPoints,
      bareDaily: ctx.config.behaviour.bareDaily,
    },
  );
  if (!range.ok) return bad(range.message);
  // One day at a time: only the current day's objects are alive, whatever the range.
  const parts: string[] = [];
  let lastModified: number | undefined;
  for (let o = range.first; o <= range.last; o++) {
    const model = source.day(o, { zone, now, trackPoints });
    if (updatedSince !== undefined && (model.lastUpdate === undefined || model.lastUpdate <= updatedSince))
      continue;
    if (model.lastUpdate !== undefined) lastModified = Math.max(lastModified ?? 0, model.lastUpdate);
    parts.push(toMovesJson(applyNameOverrides(KINDS[kind].project(model, trackPoints), user.names)));
  }
  return { data: dataResponse(`[${parts.join(',')}]`, lastModified) };
}
