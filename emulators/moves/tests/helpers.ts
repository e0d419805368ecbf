// Shared test plumbing: a started emulator with one client, one user and a token (all through the real API).
import { startMovesEmulator, type RunningMovesEmulator } from '../index.ts';

export const CLIENT = {
  client_id: 'test-client',
  client_secret: 'test-secret',
  redirect_uris: ['http://127.0.0.1:9/callback'],
  name: 'Test app',
};

export interface Harness {
  em: RunningMovesEmulator;
  userId: string;
  token: string;
  refresh: string;
}

export async function post(
  em: RunningMovesEmulator,
  path: string,
  body: unknown,
): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(em.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/"(user_id|userId)":(\d+)/g, '"$1":"$2"'));
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

export async function authorizeCode(
  em: RunningMovesEmulator,
  userId: string,
  scope = 'activity location',
): Promise<string> {
  const { code } = await em.control.authorize(userId, {
    client_id: CLIENT.client_id,
    scope,
    redirect_uri: CLIENT.redirect_uris[0],
  });
  return code;
}

export async function exchange(em: RunningMovesEmulator, params: Record<string, string>): Promise<Response> {
  const q = new URLSearchParams({
    client_id: CLIENT.client_id,
    client_secret: CLIENT.client_secret,
    ...params,
  });
  return fetch(`${em.url}/oauth/v1/access_token?${q}`, { method: 'POST' });
}

export async function tokenFor(
  em: RunningMovesEmulator,
  userId: string,
  scope?: string,
): Promise<{ token: string; refresh: string }> {
  const code = await authorizeCode(em, userId, scope);
  const res = await exchange(em, { grant_type: 'authorization_code', code });
  const body = (await res.json()) as { access_token: string; refresh_token: string };
  return { token: body.access_token, refresh: body.refresh_token };
}

export async function startHarness(
  user: { firstDate: string; timeZone: string; seed?: number; userId?: string } = {
    firstDate: '20160616',
    timeZone: 'America/Los_Angeles',
    seed: 42,
  },
  opts: Parameters<typeof startMovesEmulator>[0] = {},
): Promise<Harness> {
  const em = await startMovesEmulator(opts);
  em.registerClient(CLIENT);
  const { userId } = em.createUser(user);
  const { token, refresh } = await tokenFor(em, userId);
  return { em, userId, token, refresh };
}

export async function api(
  h: { em: RunningMovesEmulator; token?: string },
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(h.em.url + path, {
    headers: {
      ...(h.token ? { authorization: `Bearer ${h.token}` } : {}),
      'accept-encoding': 'identity',
      ...headers,
    },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Parses an API body keeping 64-bit ids exact. */
export function parse<T = unknown>(text: string): T {
  return JSON.parse(text.replace(/"(user_id|userId)":(\d+)/g, '"$1":"$2"')) as T;
}

/** Moves the emulator clock so the current minute window has just begun (tests never straddle a reset). */
export function alignClockOffset(extraMs: number, windowMs = 60_000): number {
  const now = Date.now() + extraMs;
  return Math.ceil(now / windowMs) * windowMs + 500 - Date.now();
}
