// Members for a benchmark, connected the way a real sign-up ends: an Open Humans member and a Moves user on
// the emulators, both authorised through their control APIs, the codes exchanged at the real token endpoints,
// and the member's rows written with encrypted tokens (what sign-in and the Moves connect callback store).
import { movesControlClient } from '../../emulators/moves/client.ts';
import { openHumansControlClient } from '../../emulators/openhumans/client.ts';
import type { AppContext } from '../../src/context.ts';
import { members, movesAccounts } from '../../src/db/schema.ts';
import { expiresAt, type OriginalMember } from '../baselines/original-app.ts';
import type { EmulatorEndpoints } from './emulators.ts';

export interface MemberSpec {
  /** yyyyMMdd */
  firstDate: string;
  timeZone: string;
  seed: number;
}

export interface BenchMember {
  memberId: number;
  ohMemberId: string;
  movesUserId: string;
  spec: MemberSpec;
  /** Plain tokens (the benchmark needs them to publish seed files); stored encrypted in the database. */
  ohAccessToken: string;
  movesTokenIssuedAt: Date;
}

async function postForm(url: string, form: Record<string, string>): Promise<string> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${new URL(url).pathname}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return text;
}

const field = (text: string, name: string): string => {
  // Moves user ids exceed 2^53: read numbers and strings as text, never through a JS number.
  const m = new RegExp(`"${name}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*"|-?\\d+(?:\\.\\d+)?)`).exec(text);
  if (!m?.[1]) throw new Error(`token response without ${name}`);
  return m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1];
};

/** Plain tokens of a member authorised on both emulators, as the two OAuth token endpoints answered. */
export interface EmulatorGrant {
  ohMemberId: string;
  ohTokenText: string;
  movesTokenText: string;
}

/** A new Open Humans member approves the project; the code is exchanged at the token endpoint. */
async function openHumansGrant(h: EmulatorEndpoints): Promise<{ ohMemberId: string; ohTokenText: string }> {
  const control = openHumansControlClient(h.openHumansUrl);
  const { project_member_id: ohMemberId } = await control.createMember();
  const { code } = await control.authorize(ohMemberId, { client_id: h.ohProject.id });
  const ohTokenText = await postForm(`${h.openHumansUrl}/oauth2/token/`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: h.ohProject.redirectUri,
    client_id: h.ohProject.id,
    client_secret: h.ohProject.secret,
  });
  return { ohMemberId, ohTokenText };
}

/** An Open Humans member and a Moves user on the emulators, both approved and their codes exchanged. */
export async function authorizeOnEmulators(h: EmulatorEndpoints, spec: MemberSpec): Promise<EmulatorGrant> {
  const { ohMemberId, ohTokenText } = await openHumansGrant(h);
  // Moves: user, approval in the phone app, code → tokens.
  const moves = movesControlClient(h.movesUrl);
  const { userId } = await moves.createUser(spec);
  const { code } = await moves.authorize(userId, {
    client_id: h.movesClient.id,
    scope: 'activity location',
    redirect_uri: h.movesClient.redirectUri,
  });
  const movesTokenText = await postForm(`${h.movesUrl}/oauth/v1/access_token`, {
    grant_type: 'authorization_code',
    code,
    client_id: h.movesClient.id,
    client_secret: h.movesClient.secret,
    redirect_uri: h.movesClient.redirectUri,
  });
  return { ohMemberId, ohTokenText, movesTokenText };
}

/** A member who signed in with Open Humans only (no Moves account): what an export import starts from. */
export async function signInOpenHumansOnly(
  h: EmulatorEndpoints,
  ctx: AppContext,
): Promise<{ memberId: number }> {
  const { ohMemberId, ohTokenText: text } = await openHumansGrant(h);
  const now = ctx.clock.now();
  const [row] = await ctx.db
    .insert(members)
    .values({
      ohMemberId,
      ohAccessToken: ctx.cipher.encrypt(field(text, 'access_token')),
      ohRefreshToken: ctx.cipher.encrypt(field(text, 'refresh_token')),
      ohTokenExpiresAt: new Date(now + Number(field(text, 'expires_in')) * 1000),
      lastLoginAt: new Date(now),
    })
    .returning({ id: members.id });
  if (!row) throw new Error('member insert returned nothing');
  return { memberId: row.id };
}

/** The same history on the emulators for the original app's replay (bench/baselines/original-app.ts). */
export async function originalAppMember(h: EmulatorEndpoints, spec: MemberSpec): Promise<OriginalMember> {
  const g = await authorizeOnEmulators(h, spec);
  return {
    ohMemberId: g.ohMemberId,
    ohAccessToken: field(g.ohTokenText, 'access_token'),
    ohRefreshToken: field(g.ohTokenText, 'refresh_token'),
    ohTokenExpiresAt: expiresAt(Date.now(), Number(field(g.ohTokenText, 'expires_in')), h.settings.timeScale),
    movesAccessToken: field(g.movesTokenText, 'access_token'),
  };
}

export async function connectMember(
  h: EmulatorEndpoints,
  ctx: AppContext,
  spec: MemberSpec,
): Promise<BenchMember> {
  const { ohMemberId, ohTokenText, movesTokenText } = await authorizeOnEmulators(h, spec);
  const now = ctx.clock.now();
  const ohAccess = field(ohTokenText, 'access_token');
  const movesUserId = field(movesTokenText, 'user_id');
  const enc = (s: string) => ctx.cipher.encrypt(s);
  const [row] = await ctx.db
    .insert(members)
    .values({
      ohMemberId,
      ohAccessToken: enc(ohAccess),
      ohRefreshToken: enc(field(ohTokenText, 'refresh_token')),
      ohTokenExpiresAt: new Date(now + Number(field(ohTokenText, 'expires_in')) * 1000),
      lastLoginAt: new Date(now),
    })
    .returning({ id: members.id });
  if (!row) throw new Error('member insert returned nothing');
  const issuedAt = new Date(now);
  await ctx.db.insert(movesAccounts).values({
    memberId: row.id,
    movesUserId,
    accessToken: enc(field(movesTokenText, 'access_token')),
    refreshToken: enc(field(movesTokenText, 'refresh_token')),
    tokenExpiresAt: new Date(now + Number(field(movesTokenText, 'expires_in')) * 1000),
    tokenIssuedAt: issuedAt,
    firstDate: spec.firstDate,
    timeZone: spec.timeZone,
  });
  return {
    memberId: row.id,
    ohMemberId,
    movesUserId,
    spec,
    ohAccessToken: ohAccess,
    movesTokenIssuedAt: issuedAt,
  };
}

/** Connects many members, `concurrency` at a time, in the order given. */
export async function connectMembers(
  h: EmulatorEndpoints,
  ctx: AppContext,
  specs: MemberSpec[],
  concurrency = 8,
): Promise<BenchMember[]> {
  const out: BenchMember[] = new Array(specs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
      while (next < specs.length) {
        const i = next++;
        out[i] = await connectMember(h, ctx, specs[i]!);
      }
    }),
  );
  return out;
}

/** yyyyMMdd of `years` years before today (UTC), the first date of a member with that much history. */
export function firstDateYearsAgo(years: number, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear() - Math.floor(years), now.getUTCMonth(), now.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - Math.round((years % 1) * 365));
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}
