// The sandbox as `npm start` runs it, against its own data folder: a restart carries on (the emulators know
// the member, their Moves account, tokens and files again, so signing in and "Update now" work), and the
// published file reads the way Open Humans' moves-analysis.ipynb reads it, found by `source` direct-sharing-138.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOhAccessToken } from '../../src/accounts/index.ts';
import { upsertMemberFromLogin } from '../../src/accounts/members.ts';
import { connectMovesAccount } from '../../src/accounts/moves-accounts.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import { freePort, startSandbox, type Sandbox } from '../../src/sandbox.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import { testConfig } from '../support/context.ts';
import { createTestDatabase } from '../support/database.ts';
import { daysAgo } from './harness.ts';

const logger = createLogger('silent');

/** A member signs in with Open Humans (the consent click done by the control API): their member id. */
async function signIn(ctx: AppContext, sandbox: Sandbox, ohMemberId: string) {
  const { code } = await sandbox.openHumans.control.authorize(ohMemberId, {
    client_id: sandbox.config.openHumans.clientId,
  });
  const tokens = await ctx.openHumans.exchangeCode(code);
  const member = await ctx.openHumans.exchangeMember(tokens.accessToken);
  return (await upsertMemberFromLogin(ctx, { member, tokens })).memberId;
}

async function connectMoves(ctx: AppContext, sandbox: Sandbox, memberId: number, firstDate: string) {
  const { userId } = sandbox.moves.createUser({ firstDate, timeZone: 'America/Los_Angeles' });
  const { code } = await sandbox.moves.control.authorize(userId, {
    client_id: sandbox.config.moves.clientId,
    scope: 'activity location',
    redirect_uri: sandbox.config.moves.redirectUri,
  });
  const linked = await connectMovesAccount(ctx, memberId, await ctx.moves.exchangeCode(code));
  if (!linked.ok) throw new Error(`could not link Moves: ${linked.reason}`);
  return userId;
}

/** "Update now": one manual sync, followed through rate-limit requeues. */
async function updateNow(ctx: AppContext, memberId: number) {
  for (let i = 0; i < 20; i++) {
    const r = await runSyncJob(ctx, { memberId, reason: i === 0 ? 'manual' : 'requeue' });
    if (r.outcome !== 'rate_limited' && r.outcome !== 'retry_later') return r;
    await new Promise((res) => setTimeout(res, Math.max(0, (r.nextRunAt?.getTime() ?? 0) - Date.now()) + 5));
  }
  throw new Error('the sync never finished');
}

/** oh-moves on its own embedded database, configured for the sandbox's emulators; no workers or cron. */
async function appOn(sandbox: Sandbox): Promise<AppContext> {
  return buildContext({
    config: sandbox.config,
    logger,
    database: await createTestDatabase('pglite'),
    boss: { schedule: false, supervise: false },
  });
}

describe('the sandbox restarted on the same data folder', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-sandbox-'));
  let ctx: AppContext;
  let sandbox: Sandbox;
  let ports: { app: number; moves: number; openHumans: number };
  const start = () =>
    startSandbox(testConfig({ PORT: String(ports.app), DATA_DIR: dataDir, MOVES_TIME_SCALE: '60' }), {
      logger,
      movesPort: ports.moves,
      openHumansPort: ports.openHumans,
    });

  beforeAll(async () => {
    ports = { app: await freePort('127.0.0.1'), moves: 0, openHumans: 0 };
    ports.moves = await freePort('127.0.0.1');
    ports.openHumans = await freePort('127.0.0.1');
    sandbox = await start();
    // oh-moves keeps its own database over the restart, as data/pg does; only the emulators restart.
    ctx = await appOn(sandbox);
  });

  afterAll(async () => {
    await ctx?.close();
    await sandbox?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('knows the member, their Moves account, tokens and file again: sign-in and Update now succeed', async () => {
    const ohMemberId = sandbox.openHumans.createMember({ username: 'returning' }).project_member_id;
    const memberId = await signIn(ctx, sandbox, ohMemberId);
    const movesUserId = await connectMoves(ctx, sandbox, memberId, daysAgo(10));
    expect((await updateNow(ctx, memberId)).outcome).toBe('completed');
    const before = sandbox.config;

    await sandbox.close();
    sandbox = await start();
    expect(sandbox.config.openHumans.clientId).toBe(before.openHumans.clientId);
    expect(sandbox.config.moves.clientSecret).toBe(before.moves.clientSecret);

    // The member signs in again: the same Open Humans member, project 138.
    expect(await signIn(ctx, sandbox, ohMemberId)).toBe(memberId);
    // A day changes on Moves, the member presses Update now: Moves tokens, the published file and its bytes
    // are known again, so the sync fetches, replaces the file and completes.
    await sandbox.moves.control.editDay(movesUserId, daysAgo(2));
    const after = await updateNow(ctx, memberId);
    expect(after.outcome).toBe('completed');
    expect(after.published).toBe(true);
    const files = (await sandbox.openHumans.control.files(ohMemberId)).filter((f) => !f.incomplete);
    expect(files.map((f) => f.basename)).toEqual(['moves-storyline-data.json']);
    expect(files[0]!.project_id).toBe(138);
  });

  it('keeps the state compactly: seeds and tokens, not generated days', () => {
    const moves = fs.statSync(path.join(dataDir, 'sandbox', 'moves-state.json')).size;
    const openHumans = fs.statSync(path.join(dataDir, 'sandbox', 'openhumans-state.json')).size;
    expect(moves).toBeLessThan(20_000);
    expect(openHumans).toBeLessThan(20_000);
  });
});

describe('a sandbox data folder whose kept state does not match its credentials', () => {
  it('stops the start with a message that says what to do', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-sandbox-'));
    try {
      const config = testConfig({ PORT: '0', DATA_DIR: dataDir });
      await (await startSandbox(config, { logger })).close();
      fs.rmSync(path.join(dataDir, 'sandbox', 'credentials.json'));
      await expect(startSandbox(config, { logger })).rejects.toThrow(
        /project id 138 is taken.*move that folder away to start afresh/,
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the published file, read the way moves-analysis.ipynb reads it', () => {
  let ctx: AppContext;
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox(testConfig({ PORT: '0', MOVES_TIME_SCALE: '60' }), {
      logger,
      persistStorage: false,
    });
    ctx = await appOn(sandbox);
  });

  afterAll(async () => {
    await ctx?.close();
    await sandbox?.close();
  });

  it('is found by source direct-sharing-138 and every date, place time and walking summary parses', async () => {
    const ohMemberId = sandbox.openHumans.createMember().project_member_id;
    const memberId = await signIn(ctx, sandbox, ohMemberId);
    await connectMoves(ctx, sandbox, memberId, daysAgo(40));
    expect((await updateNow(ctx, memberId)).outcome).toBe('completed');

    // user = api.exchange_oauth2_member(token); the file whose source is direct-sharing-138; json.loads.
    const token = await getOhAccessToken(ctx, memberId);
    const user = (await (
      await fetch(
        `${sandbox.openHumans.url}/api/direct-sharing/project/exchange-member/?access_token=${token}`,
      )
    ).json()) as { data: { source: string; download_url: string }[] };
    const dset = user.data.filter((d) => d.source === 'direct-sharing-138');
    expect(dset).toHaveLength(1);
    const moves = (await (await fetch(dset[0]!.download_url)).json()) as NotebookDay[];
    expect(moves.length).toBeGreaterThanOrEqual(40);

    let walkingDays = 0;
    let places = 0;
    for (const day of moves) {
      expect(strptime(day.date, 'yyyyMMdd'), day.date).toBe(true);
      if (day.segments === null || day.summary === null) continue;
      for (const s of day.segments.filter((x) => x.type === 'place')) {
        expect(typeof s.place.location.lat).toBe('number');
        expect(typeof s.place.location.lon).toBe('number');
        expect(strptime(s.startTime, "yyyyMMdd'T'HHmmssZZZ"), s.startTime).toBe(true);
        expect(strptime(s.endTime, "yyyyMMdd'T'HHmmssZZZ"), s.endTime).toBe(true);
        places++;
      }
      for (const a of day.summary.filter((x) => x.activity === 'walking')) {
        expect(typeof a.steps).toBe('number');
        expect(typeof a.distance).toBe('number');
        walkingDays++;
      }
    }
    expect(places).toBeGreaterThan(0);
    expect(walkingDays).toBeGreaterThan(0);
  });
});

interface NotebookDay {
  date: string;
  summary: { activity: string; steps?: number; distance?: number }[] | null;
  segments:
    | {
        type: string;
        startTime: string;
        endTime: string;
        place: { location: { lat: number; lon: number } };
      }[]
    | null;
}

/**
 * datetime.strptime with '%Y%m%d' or '%Y%m%dT%H%M%S%z': the whole string in exactly that shape (%z as
 * +hhmm/-hhmm, which is what Moves writes) and a real calendar date and time.
 */
function strptime(value: string, format: 'yyyyMMdd' | "yyyyMMdd'T'HHmmssZZZ"): boolean {
  const shape = format === 'yyyyMMdd' ? /^\d{8}$/ : /^\d{8}T\d{6}[+-]\d{4}$/;
  return shape.test(value) && DateTime.fromFormat(value, format, { setZone: true }).isValid;
}

describe('OH_DATATYPES: the data types oh-moves names on its uploads', () => {
  async function publishWith(env: Record<string, string>) {
    const sandbox = await startSandbox(testConfig({ PORT: '0', MOVES_TIME_SCALE: '60', ...env }), {
      logger,
      persistStorage: false,
    });
    const ctx = await buildContext({
      config: sandbox.config,
      logger,
      database: await createTestDatabase('pglite'),
      boss: { schedule: false, supervise: false },
    });
    try {
      const ohMemberId = sandbox.openHumans.createMember().project_member_id;
      const memberId = await signIn(ctx, sandbox, ohMemberId);
      await connectMoves(ctx, sandbox, memberId, daysAgo(5));
      expect((await updateNow(ctx, memberId)).outcome).toBe('completed');
      const token = await getOhAccessToken(ctx, memberId);
      const user = (await (
        await fetch(
          `${sandbox.openHumans.url}/api/direct-sharing/project/exchange-member/?access_token=${token}`,
        )
      ).json()) as { data: { datatypes: string[] }[] };
      const catalogue = (await (
        await fetch(`${sandbox.openHumans.url}/api/public/datatypes/?source_project=direct-sharing-138`)
      ).json()) as { results: { id: number; name: string }[] };
      const names = new Map(catalogue.results.map((t) => [`/api/public/datatype/${t.id}/`, t.name]));
      return user.data.map((f) => f.datatypes.map((u) => names.get(new URL(u).pathname)));
    } finally {
      await ctx.close();
      await sandbox.close();
    }
  }

  it('sends the configured types, registered for the sandbox project, and they show on the file', async () => {
    expect(await publishWith({ OH_DATATYPES: 'GPS location, Step count' })).toEqual([
      ['GPS location', 'Step count'],
    ]);
  });

  it('sends none by default, as 2018-style projects expect', async () => {
    expect(await publishWith({})).toEqual([[]]);
  });
});
