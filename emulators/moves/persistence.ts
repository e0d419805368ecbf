// What a restarted Moves emulator needs to carry on: registered apps, users (only their seeds and tiny edit
// overrides: every day is generated again on demand, so a 5-year history costs a few bytes), grants and tokens.
// Authorization codes, PINs, rate windows and stats are short-lived and start afresh.
import { z } from 'zod';
import type { AccessToken, Grant, RefreshToken, Store } from './store.ts';

const nameOverrides = z.object({
  placeName: z.string().optional(),
  activity: z.string().optional(),
  date: z.string().optional(),
});

export const movesSnapshotSchema = z.object({
  version: z.literal(1),
  clients: z.array(
    z.object({
      client_id: z.string(),
      client_secret: z.string(),
      redirect_uris: z.array(z.string()),
      notification_url: z.string().optional(),
      name: z.string().optional(),
    }),
  ),
  users: z.array(
    z.object({
      userId: z.string().regex(/^[1-9]\d{0,18}$/),
      firstDate: z.string(),
      timeZone: z.string(),
      seed: z.number().int().nonnegative(),
      edits: z.array(z.tuple([z.string(), z.object({ count: z.number().int(), at: z.number() })])),
      names: nameOverrides.optional(),
    }),
  ),
  grants: z.array(
    z.object({ clientId: z.string(), userId: z.string(), scope: z.array(z.string()), revoked: z.boolean() }),
  ),
  /** Tokens refer to their grant by its index in `grants`. */
  accessTokens: z.array(
    z.tuple([
      z.string(),
      z.object({
        grant: z.number().int(),
        issuedAt: z.number(),
        expiresAt: z.number(),
        replaced: z.boolean(),
      }),
    ]),
  ),
  refreshTokens: z.array(
    z.tuple([z.string(), z.object({ grant: z.number().int(), used: z.boolean(), accessToken: z.string() })]),
  ),
});
export type MovesSnapshot = z.infer<typeof movesSnapshotSchema>;

/** The store as JSON; access tokens that expired before `now` are left out (they can never work again). */
export function snapshotStore(store: Store, now: number): MovesSnapshot {
  const index = new Map(store.grants.map((g, i) => [g, i]));
  return {
    version: 1,
    clients: [...store.clients.values()],
    users: [...store.users.values()].map((u) => ({
      userId: u.userId,
      firstDate: u.firstDate,
      timeZone: u.timeZone,
      seed: u.seed,
      edits: [...u.edits.entries()],
      ...(u.names ? { names: u.names } : {}),
    })),
    grants: store.grants.map((g) => ({ ...g })),
    accessTokens: [...store.accessTokens.entries()]
      .filter(([, t]) => t.expiresAt > now)
      .map(([k, t]) => [k, { ...t, grant: index.get(t.grant)! }]),
    refreshTokens: [...store.refreshTokens.entries()]
      .filter(([, t]) => !t.used)
      .map(([k, t]) => [k, { ...t, grant: index.get(t.grant)! }]),
  };
}

/** Fills an empty store from a snapshot. */
export function restoreStore(store: Store, s: MovesSnapshot): void {
  for (const c of s.clients) store.registerClient(c);
  for (const u of s.users) {
    store.users.set(u.userId, {
      userId: u.userId,
      firstDate: u.firstDate,
      timeZone: u.timeZone,
      seed: u.seed,
      edits: new Map(u.edits),
      ...(u.names ? { names: u.names } : {}),
    });
  }
  const grants: Grant[] = s.grants.map((g) => ({ ...g }));
  store.grants.push(...grants);
  const grantAt = (i: number): Grant => {
    const g = grants[i];
    if (!g) throw new Error(`Moves emulator state: a token refers to grant ${i}, which does not exist`);
    return g;
  };
  for (const [k, t] of s.accessTokens) {
    const token: AccessToken = { ...t, grant: grantAt(t.grant) };
    store.accessTokens.set(k, token);
  }
  for (const [k, t] of s.refreshTokens) {
    const token: RefreshToken = { ...t, grant: grantAt(t.grant) };
    store.refreshTokens.set(k, token);
  }
}
