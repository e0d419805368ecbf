// The Moves client against the Moves emulator: OAuth2 with rotation, profile, weekly storylines, changed days,
// rate headers, and the mapping of 401 / 429 / 5xx / timeouts / malformed bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigPatch } from '../../emulators/moves/config.ts';
import type { RunningMovesEmulator } from '../../emulators/moves/index.ts';
import { MovesClient, type MovesTokens } from '../../src/moves/client.ts';
import { createMetrics } from '../../src/metrics.ts';
import { AuthRefusedError, RateLimitedError, UpstreamError } from '../../src/upstream/errors.ts';
import { APP_BASE_URL, MOVES_CLIENT, movesCode, startMoves } from './emulators.ts';

let moves: RunningMovesEmulator;
const metrics = createMetrics();
let client: MovesClient;

function makeClient(extra: Partial<ConstructorParameters<typeof MovesClient>[0]> = {}) {
  return new MovesClient({
    clientId: MOVES_CLIENT.client_id,
    clientSecret: MOVES_CLIENT.client_secret,
    apiBase: moves.url,
    redirectUri: `${APP_BASE_URL}/moves_complete`,
    metrics,
    ...extra,
  });
}

async function connectedUser(
  u: { firstDate?: string; timeZone?: string; userId?: string } = {},
): Promise<{ userId: string; tokens: MovesTokens }> {
  const { userId } = moves.createUser({
    firstDate: u.firstDate ?? '20151221',
    timeZone: u.timeZone ?? 'Europe/Berlin',
    seed: 7,
    ...(u.userId ? { userId: u.userId } : {}),
  });
  const tokens = await client.exchangeCode(await movesCode(moves.url, userId));
  return { userId, tokens };
}

const config = (patch: ConfigPatch) => moves.control.configure(patch);

beforeAll(async () => {
  moves = await startMoves({ minuteLimit: 1000, hourLimit: 100_000 });
  client = makeClient();
});
afterAll(async () => {
  await moves?.close();
});

describe('OAuth2', () => {
  it('builds the authorize URL with %20 in the scope', () => {
    const url = client.authorizeUrl({ state: 'abc' });
    expect(url).toContain('scope=activity%20location');
    expect(url).not.toContain('+');
    const u = new URL(url);
    expect(u.pathname).toBe('/oauth/v1/authorize');
    expect(u.searchParams.get('redirect_uri')).toBe(`${APP_BASE_URL}/moves_complete`);
    expect(u.searchParams.get('state')).toBe('abc');
    expect(u.searchParams.get('client_id')).toBe(MOVES_CLIENT.client_id);
  });

  it('exchanges a code (user id exact beyond 2^53), refreshes with rotation, refuses the old refresh token', async () => {
    const { userId, tokens } = await connectedUser({ userId: '23138311640030064' });
    expect(tokens.userId).toBe('23138311640030064');
    expect(userId).toBe('23138311640030064');
    expect(tokens.expiresAt.getTime() - tokens.issuedAt.getTime()).toBeGreaterThan(170 * 86400_000);

    const next = await client.refresh(tokens.refreshToken);
    expect(next.userId).toBe('23138311640030064');
    expect(next.refreshToken).not.toBe(tokens.refreshToken);
    expect((await client.profile(next.accessToken)).profile.userId).toBe('23138311640030064');
    await expect(client.refresh(tokens.refreshToken)).rejects.toBeInstanceOf(AuthRefusedError);
    await expect(client.exchangeCode('bad-code')).rejects.toBeInstanceOf(AuthRefusedError);
  });

  it('reports wrong client credentials as a final, non-auth error without the secret', async () => {
    const { tokens } = await connectedUser();
    const err = await makeClient({ clientSecret: 'very-wrong-secret' })
      .refresh(tokens.refreshToken)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).not.toBeInstanceOf(AuthRefusedError);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as Error).message).not.toContain('very-wrong-secret');
  });
});

describe('data', () => {
  it('reads the profile and its rate headers', async () => {
    const { userId, tokens } = await connectedUser({
      firstDate: '20160616',
      timeZone: 'America/Los_Angeles',
    });
    const { profile, rate } = await client.profile(tokens.accessToken);
    expect(profile).toMatchObject({ userId, firstDate: '20160616', timeZone: 'America/Los_Angeles' });
    expect(rate).not.toBeNull();
    expect(rate!.minuteLimit).toBeGreaterThan(0);
    expect(rate!.minuteRemaining).toBeLessThan(rate!.minuteLimit);
  });

  it('returns a week as the raw array text plus its validated dates', async () => {
    const { tokens } = await connectedUser({ firstDate: '20151230' });
    const week = await client.storylineWeek(tokens.accessToken, '2015-W53');
    // Days before firstDate are omitted by Moves.
    expect(week.dates).toEqual(['20151230', '20151231', '20160101', '20160102', '20160103']);
    expect(week.daysJson.startsWith('[{"date":"20151230"')).toBe(true);
    const parsed = JSON.parse(week.daysJson) as { date: string; lastUpdate?: string }[];
    expect(parsed.map((d) => d.date)).toEqual(week.dates);
    expect(week.lastUpdates).toEqual(parsed.map((d) => d.lastUpdate ?? null));
    expect(week.rate).not.toBeNull();
    const full = await client.storylineWeek(tokens.accessToken, '2016-W01');
    expect(full.dates).toHaveLength(7);
    expect(full.daysJson).toContain('"trackPoints"');
    await expect(client.storylineWeek(tokens.accessToken, '2016-W1')).rejects.toThrow(RangeError);
  });

  it('rejects a week outside the allowed window as a final error', async () => {
    const { tokens } = await connectedUser({ firstDate: '20160616' });
    const err = await client.storylineWeek(tokens.accessToken, '2015-W10').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(400);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as UpstreamError).rate?.minuteLimit).toBeGreaterThan(0); // the quota headers survive errors
  });

  it('finds days edited since a time', async () => {
    const { userId, tokens } = await connectedUser({ firstDate: '20160101' });
    const since = new Date(Date.now() - 1000);
    await moves.control.editDay(userId, '20160110');
    const changed = await client.changedDays(tokens.accessToken, {
      from: '20160101',
      to: '20160131',
      updatedSince: since,
    });
    expect(changed.dates).toEqual(['20160110']);
    expect(changed.rate).not.toBeNull();
  });
});

describe('failures', () => {
  it('maps a revoked token to AuthRefusedError, for data and refresh', async () => {
    const { userId, tokens } = await connectedUser();
    await moves.control.revoke(userId);
    await expect(client.profile(tokens.accessToken)).rejects.toBeInstanceOf(AuthRefusedError);
    await expect(client.refresh(tokens.refreshToken)).rejects.toBeInstanceOf(AuthRefusedError);
  });

  it('maps 5xx, malformed bodies, dropped connections and timeouts to retryable errors', async () => {
    const { tokens } = await connectedUser();
    const prefix = '/api/1.1/user/storyline';
    for (const kind of ['status', 'malformed', 'truncate', 'drop'] as const) {
      await config({ faults: [{ kind, count: 1, pathPrefix: prefix }] });
      const err = await client.storylineWeek(tokens.accessToken, '2016-W01').catch((e: unknown) => e);
      expect(err, kind).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).retryable, kind).toBe(true);
      expect((err as Error).message, kind).not.toContain(tokens.accessToken);
      if (kind === 'malformed') expect((err as UpstreamError).rate, kind).not.toBeNull();
    }
    await config({ faults: [{ kind: 'latency', latencyMs: 3000, count: 1, pathPrefix: prefix }] });
    const slow = await makeClient({ timeoutMs: 200 })
      .storylineWeek(tokens.accessToken, '2016-W01')
      .catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(UpstreamError);
    expect((slow as UpstreamError).status).toBeNull();
    expect((slow as UpstreamError).retryable).toBe(true);
    await config({ faults: [] });
    expect((await client.storylineWeek(tokens.accessToken, '2016-W01')).dates).toHaveLength(7);
  });

  it('maps 429 to RateLimitedError with the headers and counts it', async () => {
    const before = (await metrics.moves429.get()).values[0]?.value ?? 0;
    const { tokens } = await connectedUser();
    await config({ minuteLimit: 2, hourLimit: 100_000 });
    try {
      // Newly issued tokens get double limits, so up to 4 calls pass; the 5th must be refused.
      let err: unknown;
      for (let i = 0; i < 6 && !err; i++)
        err = await client.profile(tokens.accessToken).then(
          () => undefined,
          (e) => e,
        );
      expect(err).toBeInstanceOf(RateLimitedError);
      expect((err as RateLimitedError).retryable).toBe(true);
      expect((err as RateLimitedError).rate?.minuteRemaining).toBe(0);
    } finally {
      await config({ minuteLimit: 1000 });
    }
    expect((await metrics.moves429.get()).values[0]?.value).toBe(before + 1);
    const counted = (await metrics.upstreamRequests.get()).values;
    expect(counted.find((v) => v.labels.service === 'moves' && v.labels.status === '429')?.value).toBe(1);
  });
});
