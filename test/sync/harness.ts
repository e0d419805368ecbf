// Test plumbing for the sync engine: both emulators in-process on random ports, an app context pointed at them,
// and members created the real way (emulator approval → code exchange → src/accounts).
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import { expect } from 'vitest';
import { startMovesEmulator, type RunningMovesEmulator } from '../../emulators/moves/index.ts';
import type { StatsSnapshot } from '../../emulators/moves/stats.ts';
import type { OpenHumansControlFile } from '../../emulators/openhumans/client.ts';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';
import { getMovesAccessToken, getOhAccessToken } from '../../src/accounts/index.ts';
import { upsertMemberFromLogin } from '../../src/accounts/members.ts';
import { reconnectNeeded } from '../../src/accounts/reconnect.ts';
import { connectMovesAccount } from '../../src/accounts/moves-accounts.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import type { StoreKind } from '../support/database.ts';
import { systemClock, type Clock } from '../../src/util/clock.ts';
import { runSyncJob, type SyncResult } from '../../src/sync/sync-job.ts';
import { syncEvents, syncState, type SyncEventKind } from '../../src/db/schema.ts';
import { currentWeek, weekOfDate, weekRange } from '../../src/moves/weeks.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';

export const APP_BASE = 'http://127.0.0.1:9';
const MOVES_CLIENT = { client_id: 'sync-moves-client', client_secret: 'sync-moves-secret' };
const OH_CLIENT = { client_id: 'sync-oh-client', client_secret: 'sync-oh-secret' };

export interface Upstreams {
  moves: RunningMovesEmulator;
  oh: RunningOpenHumansEmulator;
  timeScale: number;
  close(): Promise<void>;
}

export async function startUpstreams(
  opts: { timeScale?: number; minuteLimit?: number; hourLimit?: number; rateScope?: 'user' | 'app' } = {},
): Promise<Upstreams> {
  const timeScale = opts.timeScale ?? 1;
  const moves = await startMovesEmulator({
    timeScale,
    minuteLimit: opts.minuteLimit ?? 10_000,
    hourLimit: opts.hourLimit ?? 100_000,
    rateScope: opts.rateScope ?? 'user',
  });
  moves.registerClient({ ...MOVES_CLIENT, redirect_uris: [`${APP_BASE}/moves_complete`] });
  const oh = await startOpenHumansEmulator({ timeScale });
  oh.createProject({ ...OH_CLIENT, redirect_uri: `${APP_BASE}/complete` });
  return {
    moves,
    oh,
    timeScale,
    async close() {
      await moves.close();
      await oh.close();
    },
  };
}

/** Points the Moves app's notification URL at a listening app (Moves then POSTs there on every edit). */
export function setNotificationUrl(up: Upstreams, url: string): void {
  up.moves.registerClient({
    ...MOVES_CLIENT,
    redirect_uris: [`${APP_BASE}/moves_complete`],
    notification_url: url,
  });
}

export async function createSyncContext(
  up: Upstreams,
  store: StoreKind,
  env: Record<string, string> = {},
  clock?: Clock,
  logger?: Logger,
): Promise<TestContext> {
  return createTestContext({
    store,
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    env: { ...upstreamEnv(up), ...env },
  });
}

/** The settings that point the app at the two emulators (for a context here or a process of its own). */
export function upstreamEnv(up: Upstreams): Record<string, string> {
  return {
    APP_BASE_URL: APP_BASE,
    OH_BASE_URL: up.oh.url,
    OH_CLIENT_ID: OH_CLIENT.client_id,
    OH_CLIENT_SECRET: OH_CLIENT.client_secret,
    MOVES_API_BASE: up.moves.url,
    MOVES_CLIENT_ID: MOVES_CLIENT.client_id,
    MOVES_CLIENT_SECRET: MOVES_CLIENT.client_secret,
    MOVES_TIME_SCALE: String(up.timeScale),
    MOVES_MINUTE_LIMIT: '10000',
    MOVES_HOUR_LIMIT: '100000',
    MOVES_RATE_SCOPE: 'user',
  };
}

/** The Moves user approves the sync tests' app (what the phone app does): the code the callback gets. */
export async function movesCode(up: Upstreams, userId: string): Promise<string> {
  const { code } = await up.moves.control.authorize(userId, {
    client_id: MOVES_CLIENT.client_id,
    scope: 'activity location',
    redirect_uri: `${APP_BASE}/moves_complete`,
  });
  return code;
}

export interface TestMember {
  memberId: number;
  ohMemberId: string;
  movesUserId: string;
}

/** An Open Humans member who signed in and connected a (new) Moves user, all through the real flows. */
export async function addMember(
  ctx: TestContext,
  up: Upstreams,
  user: { firstDate: string; timeZone: string; seed?: number },
  existingOhMemberId?: string,
): Promise<TestMember> {
  const ohMemberId = existingOhMemberId ?? up.oh.createMember().project_member_id;
  const { code: ohCode } = await up.oh.control.authorize(ohMemberId, { client_id: OH_CLIENT.client_id });
  const ohTokens = await ctx.openHumans.exchangeCode(ohCode);
  const member = await ctx.openHumans.exchangeMember(ohTokens.accessToken);
  const { memberId } = await upsertMemberFromLogin(ctx, { member, tokens: ohTokens });

  const { userId } = up.moves.createUser(user);
  const movesTokens = await ctx.moves.exchangeCode(await movesCode(up, userId));
  const linked = await connectMovesAccount(ctx, memberId, movesTokens);
  if (!linked.ok) throw new Error(`could not link the Moves account: ${linked.reason}`);
  return { memberId, ohMemberId, movesUserId: userId };
}

export type MovesStats = StatsSnapshot;

export function movesStats(up: Upstreams): Promise<MovesStats> {
  return up.moves.control.stats();
}

/** Week requests the emulator answered (the sync's only period-path calls: storyline weeks), by status. */
export function storylineCount(s: MovesStats, status = '200'): number {
  return s.byRoute['GET /api/1.1/user/:kind/daily/:period']?.[status] ?? 0;
}

export type OhFileInfo = OpenHumansControlFile;

export async function ohFiles(up: Upstreams, ohMemberId: string): Promise<OhFileInfo[]> {
  // Uploads that never completed (a failed PUT or complete step) are not visible to anyone: leave them out.
  return (await up.oh.control.files(ohMemberId)).filter((f) => !f.incomplete);
}

/** Requests to the Moves API proper (the control API excluded). */
export function apiRequests(s: MovesStats): number {
  let n = 0;
  for (const [route, byStatus] of Object.entries(s.byRoute))
    if (!route.includes('/_control')) for (const c of Object.values(byStatus)) n += c;
  return n;
}

/**
 * A clock shared by the app and both emulators: `advance(ms)` lets time pass everywhere at once (the emulators'
 * rate windows, token ages and "today" move with it), so a test can jump to a rate-limit reset instead of
 * sleeping until it — and windows can be a real minute long, so no run ever spans one by being slow.
 */
export function sharedClock(up: Upstreams): Clock & { advance(ms: number): Promise<void> } {
  const clock = systemClock();
  return Object.assign(clock, {
    async advance(ms: number) {
      clock.offsetMs += ms;
      up.moves.configure({ clockOffsetMs: clock.offsetMs });
      await up.oh.control.configure({ clockOffsetMs: clock.offsetMs });
    },
  });
}

/**
 * Runs sync jobs for a member, following requeues in-process, until one completes or stops for good. Waits for
 * each requeue's time, or with `advance` moves the shared clock there instead.
 */
export async function syncUntilDone(
  ctx: TestContext,
  memberId: number,
  maxRuns = 50,
  advance?: (ms: number) => Promise<void>,
): Promise<{ runs: SyncResult[] }> {
  const runs: SyncResult[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const r = await runSyncJob(ctx, { memberId, reason: i === 0 ? 'manual' : 'requeue' });
    runs.push(r);
    if (r.outcome !== 'rate_limited' && r.outcome !== 'retry_later') return { runs };
    const wait = (r.nextRunAt?.getTime() ?? ctx.clock.now()) - ctx.clock.now();
    if (wait > 0) {
      if (advance) await advance(wait + 5);
      else await new Promise((res) => setTimeout(res, wait + 5));
    }
  }
  throw new Error(`no completion after ${maxRuns} runs`);
}

/** The date `n` days before today (UTC), as Moves writes it: yyyyMMdd. */
export const daysAgo = (n: number) =>
  new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');

/** What Moves has for the member, week by week, straight from the emulator. */
export async function movesTruth(ctx: TestContext, memberId: number, firstDate: string, zone: string) {
  const { accessToken } = await getMovesAccessToken(ctx, memberId);
  const weeks = weekRange(weekOfDate(firstDate), currentWeek(zone, ctx.clock.date()));
  const days: { date: string }[] = [];
  for (const w of weeks) {
    const r = await ctx.moves.storylineWeek(accessToken, w);
    days.push(...(JSON.parse(r.daysJson) as { date: string }[]));
  }
  return { weeks, days };
}

/** The member's published file (there must be exactly one), downloaded through the app's client. */
export async function downloadPublished(ctx: TestContext, memberId: number): Promise<{ date: string }[]> {
  const m = await ctx.openHumans.exchangeMember(await getOhAccessToken(ctx, memberId));
  const files = m.files.filter((f) => f.basename === STORYLINE_FILENAME);
  expect(files).toHaveLength(1);
  const chunks: Buffer[] = [];
  for await (const c of await ctx.openHumans.download(files[0]!.downloadUrl)) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString()) as { date: string }[];
}

/**
 * The member's sync_state row (it must exist), with the status the dashboard shows: 'needs_reauth' while the
 * account rows say the member must reconnect (src/accounts/reconnect.ts).
 */
export async function syncStateOf(ctx: TestContext, memberId: number) {
  const [s] = await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId));
  const start = await ctx.accounts.syncStart(memberId);
  const refused = reconnectNeeded(start?.member, start?.account);
  return { ...s!, status: refused ? ('needs_reauth' as const) : s!.status };
}

/** The member's sync events of one kind. */
export async function eventsOf(ctx: TestContext, memberId: number, kind: SyncEventKind) {
  return ctx.db
    .select()
    .from(syncEvents)
    .where(and(eq(syncEvents.memberId, memberId), eq(syncEvents.kind, kind)));
}
