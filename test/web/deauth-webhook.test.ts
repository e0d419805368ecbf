// The deauthorization webhook end to end: the Open Humans emulator itself sends it (a member leaves there) to
// the app listening on a real port. With or without erasure, nothing about the member stays here; the files
// published on Open Humans cannot be deleted any more (the tokens are revoked first), which is logged.
import { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOhAccessToken } from '../../src/accounts/index.ts';
import type { AppContext } from '../../src/context.ts';
import {
  members,
  movesAccounts,
  publishedFiles,
  storedWeeks,
  syncEvents,
  syncState,
} from '../../src/db/schema.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/logger.ts';
import type { Sandbox } from '../../src/sandbox.ts';
import { ohCode, signIn, startLogin, startWebSandbox, type WebSandbox } from './support.ts';

let web: WebSandbox;
let sandbox: Sandbox;
let ctx: AppContext;
let app: FastifyInstance;
const logLines: { msg?: string; [k: string]: unknown }[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(l));
      done();
    },
  });
  web = await startWebSandbox({ logger: createLogger('info', sink) });
  ({ sandbox, ctx, app } = web);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // Point the project's webhook at the app's real address (re-registering a client_id updates the project).
  const oh = sandbox.config.openHumans;
  await sandbox.openHumans.control.createProject({
    client_id: oh.clientId,
    client_secret: oh.clientSecret,
    redirect_uri: `${sandbox.config.appBaseUrl}/complete`,
    webhook_url: `${url}/webhooks/openhumans/deauth`,
    webhook_secret: oh.webhookSecret,
  });
});

afterAll(async () => {
  await web?.close();
});

/** The Open Humans member (an existing one, or a new one) signs in through the whole OAuth round trip. */
async function signInAs(existingOhMemberId?: string): Promise<string> {
  if (!existingOhMemberId) return (await signIn(web)).ohMemberId;
  const login = await startLogin(web);
  const { code } = await ohCode(web, login.state, login.challenge, existingOhMemberId);
  const res = await app.inject({
    method: 'GET',
    url: `/complete?code=${encodeURIComponent(code)}&state=${encodeURIComponent(login.state)}&origin=external`,
    headers: { cookie: login.cookie },
  });
  expect(res.statusCode).toBe(303);
  return existingOhMemberId;
}

/** A signed-in member with Moves connected, one week stored, a file published on Open Humans, a sync queued. */
async function memberWithData(
  existingOhMemberId?: string,
): Promise<{ memberId: number; ohMemberId: string }> {
  const ohMemberId = await signInAs(existingOhMemberId);
  const [member] = await ctx.db.select().from(members).where(eq(members.ohMemberId, ohMemberId));
  const memberId = member!.id;
  const moves = sandbox.moves.createUser({ firstDate: '20240101', timeZone: 'Europe/Berlin' });
  await ctx.db.insert(movesAccounts).values({
    memberId,
    movesUserId: moves.userId,
    accessToken: ctx.cipher.encrypt('moves-access'),
    refreshToken: ctx.cipher.encrypt('moves-refresh'),
    tokenExpiresAt: new Date(Date.now() + 3600_000),
    tokenIssuedAt: new Date(),
  });
  await ctx.db.insert(storedWeeks).values({
    memberId,
    week: '2024-W01',
    daysJson: '[]',
    dayCount: 7,
    firstDay: '20240101',
    lastDay: '20240107',
    bytes: 2,
    complete: true,
  });
  const body = Buffer.from('[{"date":"20240101","segments":[]}]');
  const uploaded = await ctx.openHumans.uploadFile(await getOhAccessToken(ctx, memberId), {
    filename: 'moves-storyline-data.json',
    metadata: { description: 'Moves storyline', tags: ['Moves'] },
    size: body.length,
    body: () => Readable.from([body]),
  });
  await ctx.db.insert(publishedFiles).values({
    memberId,
    ohFileId: uploaded.id,
    basename: 'moves-storyline-data.json',
    size: body.length,
    md5: 'unused',
  });
  await ctx.queue.enqueueSync(memberId, 'manual', { startAfter: new Date(Date.now() + 3600_000) });
  return { memberId, ohMemberId };
}

async function rowsOf(memberId: number) {
  return {
    members: await ctx.db.select().from(members).where(eq(members.id, memberId)),
    movesAccounts: await ctx.db.select().from(movesAccounts).where(eq(movesAccounts.memberId, memberId)),
    storedWeeks: await ctx.db.select().from(storedWeeks).where(eq(storedWeeks.memberId, memberId)),
    syncState: await ctx.db.select().from(syncState).where(eq(syncState.memberId, memberId)),
    syncEvents: await ctx.db.select().from(syncEvents).where(eq(syncEvents.memberId, memberId)),
    publishedFiles: await ctx.db.select().from(publishedFiles).where(eq(publishedFiles.memberId, memberId)),
  };
}

async function queuedJobs(memberId: number): Promise<string[]> {
  const { rows } = await ctx.database.sql.query<{ state: string }>(
    `select state from pgboss.job where name = $1 and singleton_key = $2`,
    [QUEUES.syncMember, String(memberId)],
  );
  return rows.map((r) => r.state);
}

const ohFiles = (ohMemberId: string) => sandbox.openHumans.control.files(ohMemberId);

const empty = {
  members: [],
  movesAccounts: [],
  storedWeeks: [],
  syncState: [],
  syncEvents: [],
  publishedFiles: [],
};

describe.each([true, false])('a member leaves on Open Humans (erasure requested: %s)', (erasure) => {
  it('is forgotten here: tokens, stored weeks, events, file records, queued sync', async () => {
    const { memberId, ohMemberId } = await memberWithData();
    expect((await rowsOf(memberId)).storedWeeks).toHaveLength(1);
    expect(await queuedJobs(memberId)).toEqual(['created']);
    expect(await ohFiles(ohMemberId)).toHaveLength(1);

    const left = (await sandbox.openHumans.control.leave(ohMemberId, { erasure_requested: erasure })) as {
      left: { webhook: { status: number | null; signature: string | null } | null }[];
    };
    expect(left.left).toHaveLength(1);
    expect(left.left[0]?.webhook?.signature).toMatch(/^sha1=/);
    expect(left.left[0]?.webhook?.status).toBe(200);

    expect(await rowsOf(memberId)).toEqual(empty);
    expect(await queuedJobs(memberId)).toEqual(['cancelled']);
    // The file stays on Open Humans: our tokens were revoked before the webhook, so we could not delete it.
    expect(await ohFiles(ohMemberId)).toHaveLength(1);
    const line = logLines.find((l) => l.memberId === memberId && l.erasure === erasure);
    expect(line).toMatchObject({ weeksDeleted: 1, openHumansFilesNotDeleted: 1 });
    expect(String(line?.msg)).toContain('could not be deleted');
  });
});

describe('a captured deauthorization sent again', () => {
  it('after the member rejoined and reconnected, changes nothing', async () => {
    const first = await memberWithData();
    const left = (await sandbox.openHumans.control.leave(first.ohMemberId, { erasure_requested: true })) as {
      left: { webhook: { status: number; body: string; signature: string } }[];
    };
    const captured = left.left[0]!.webhook;
    expect(captured.status).toBe(200);
    expect(await rowsOf(first.memberId)).toEqual(empty);

    // The same Open Humans member joins again (same project member id) and connects Moves again.
    const again = await memberWithData(first.ohMemberId);
    const before = await rowsOf(again.memberId);
    expect(before.storedWeeks).toHaveLength(1);
    const replay = await app.inject({
      method: 'POST',
      url: '/webhooks/openhumans/deauth',
      headers: { 'content-type': 'application/json', 'x-openhumans-webhooks-signature': captured.signature },
      payload: captured.body,
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'ignored', reason: expect.stringContaining('stale') });
    // The member, their Moves link, stored week, file record and queued sync are all still here.
    expect(await rowsOf(again.memberId)).toEqual(before);
    expect(await queuedJobs(again.memberId)).toEqual(['created']);
    expect(await ohFiles(again.ohMemberId)).toHaveLength(2);
  });
});
