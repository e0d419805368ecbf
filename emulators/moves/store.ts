// In-memory registry of clients, emulated users, grants, codes and tokens.
import type { NameOverrides } from './name-overrides.ts';
import { randomInt } from 'node:crypto';
import { formatDate, isValidZone, parseDate } from './dates.ts';
import type { DayEdit } from './edits.ts';
import { rngFor } from './prng.ts';

export interface Client {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  notification_url?: string;
  /** The app's name as the authorization page shows it (the client id when absent). */
  name?: string;
}

export interface EmulatedUser {
  /** decimal digits; may exceed 2^53, so never a JS number */
  userId: string;
  firstDate: string;
  timeZone: string;
  seed: number;
  edits: Map<string, DayEdit>;
  /** Names sent instead of the generated ones (control `names`). */
  names?: NameOverrides;
}

/** One authorization of a client by a user; revocation flips it for every token issued under it. */
export interface Grant {
  clientId: string;
  userId: string;
  scope: string[];
  revoked: boolean;
}

export interface AuthCode {
  grant: Grant;
  /** the redirect_uri given in the authorization request, if one was */
  redirectUri?: string;
  expiresAt: number;
  used: boolean;
}

export interface AccessToken {
  grant: Grant;
  issuedAt: number;
  expiresAt: number;
  /** invalidated by a refresh when behaviour.revokeAccessTokenOnRefresh */
  replaced: boolean;
}

export interface RefreshToken {
  grant: Grant;
  used: boolean;
  /** the access token issued together with it */
  accessToken: string;
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_';

/** 64 chars of [A-Za-z0-9_], like real Moves tokens. */
export function newToken(): string {
  let s = '';
  for (let i = 0; i < 64; i++) s += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return s;
}

export class Store {
  readonly clients = new Map<string, Client>();
  readonly users = new Map<string, EmulatedUser>();
  readonly grants: Grant[] = [];
  readonly codes = new Map<string, AuthCode>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly refreshTokens = new Map<string, RefreshToken>();

  registerClient(c: Client): void {
    if (!c.client_id || !c.client_secret) throw new Error('client_id and client_secret are required');
    if (c.redirect_uris.length < 1 || c.redirect_uris.length > 3)
      throw new Error('one to three redirect_uris');
    for (const uri of [...c.redirect_uris, ...(c.notification_url ? [c.notification_url] : [])]) {
      if (!URL.canParse(uri)) throw new Error(`not an absolute URL: ${uri}`);
    }
    this.clients.set(c.client_id, { ...c, redirect_uris: [...c.redirect_uris] });
  }

  createUser(u: {
    firstDate: string;
    timeZone: string;
    seed?: number;
    userId?: string | number | bigint;
  }): EmulatedUser {
    const first = parseDate(u.firstDate);
    if (first === null) throw new Error(`firstDate must be yyyyMMdd or yyyy-MM-dd: ${u.firstDate}`);
    if (!isValidZone(u.timeZone)) throw new Error(`unknown time zone: ${u.timeZone}`);
    const seed = u.seed ?? randomInt(2 ** 31);
    if (!Number.isInteger(seed) || seed < 0) throw new Error('seed must be a non-negative integer');
    let userId: string;
    if (u.userId !== undefined) {
      userId = String(u.userId);
      if (!/^[1-9]\d{0,18}$/.test(userId) || BigInt(userId) > 2n ** 63n - 1n)
        throw new Error('userId must be a positive 64-bit integer');
      if (this.users.has(userId)) throw new Error(`userId ${userId} already exists`);
    } else {
      // 17 digits like 23138311640030064: beyond 2^53, so clients must parse them losslessly.
      const rng = rngFor(seed, 'userId');
      do {
        userId =
          String(rng.int(1, 9)) +
          String(rng.int(0, 99_999_999)).padStart(8, '0') +
          String(rng.int(0, 99_999_999)).padStart(8, '0');
      } while (this.users.has(userId));
    }
    const user: EmulatedUser = {
      userId,
      firstDate: formatDate(first),
      timeZone: u.timeZone,
      seed,
      edits: new Map(),
    };
    this.users.set(userId, user);
    return user;
  }

  /** Revokes every grant of the user (optionally only for one client): tokens fail with 401, refresh fails. */
  revoke(userId: string, clientId?: string): number {
    let n = 0;
    for (const g of this.grants) {
      if (g.userId === userId && !g.revoked && (!clientId || g.clientId === clientId)) {
        g.revoked = true;
        n++;
      }
    }
    return n;
  }

  /** Notifications go to clients the user authorised and did not revoke (even if the token expired). */
  hasActiveGrant(userId: string, clientId: string): boolean {
    return this.grants.some((g) => g.userId === userId && g.clientId === clientId && !g.revoked);
  }

  /** Drops expired codes so a long-running emulator does not grow. */
  sweep(now: number): void {
    for (const [k, c] of this.codes) if (c.expiresAt < now || c.used) this.codes.delete(k);
  }
}

/**
 * The registered URI the given one corresponds to: same scheme, host, port and path, and every query parameter
 * of the registered URI present with the same value (extra parameters are allowed, §2.2).
 */
export function matchRedirectUri(registered: readonly string[], given: string): string | undefined {
  if (!URL.canParse(given)) return undefined;
  const g = new URL(given);
  return registered.find((r) => {
    const u = new URL(r);
    if (u.protocol !== g.protocol || u.host !== g.host || u.pathname !== g.pathname) return false;
    for (const [k, v] of u.searchParams) if (!g.searchParams.getAll(k).includes(v)) return false;
    return true;
  });
}

/** Space- (or %20-) separated scopes; only activity and location exist. */
export function parseScope(raw: string | undefined): string[] | undefined {
  if (!raw) return undefined;
  const words = raw.split(/[\s+]+/).filter(Boolean);
  const known = [...new Set(words.filter((w) => w === 'activity' || w === 'location'))];
  return known.length > 0 ? known : undefined;
}

export function appendQuery(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.append(k, v);
  return u.toString();
}
