// Shared helpers for the Open Humans emulator tests: talk to a real emulator over HTTP on 127.0.0.1.
import {
  startOpenHumansEmulator,
  type RunningOpenHumansEmulator,
} from '../../../emulators/openhumans/index.ts';

export const CLIENT = {
  client_id: 'test-client',
  client_secret: 'test-secret',
  redirect_uri: 'http://127.0.0.1:1/complete',
};

export async function start(): Promise<RunningOpenHumansEmulator> {
  return startOpenHumansEmulator({ port: 0 });
}

export function basic(id = CLIENT.client_id, secret = CLIENT.client_secret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export async function control(e: RunningOpenHumansEmulator, path: string, body?: unknown): Promise<Response> {
  return fetch(`${e.url}/_control/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

export async function tokenRequest(
  e: RunningOpenHumansEmulator,
  form: Record<string, string>,
  auth = basic(),
): Promise<Response> {
  return fetch(`${e.url}/oauth2/token/`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** A member authorized through the control API, with a token pair from a real code exchange. */
export async function authorizedMember(
  e: RunningOpenHumansEmulator,
  clientId = CLIENT.client_id,
): Promise<{ id: string; tokens: Tokens }> {
  const { project_member_id: id } = e.createMember();
  const { code } = await e.control.authorize(id, { client_id: clientId });
  const t = await tokenRequest(e, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CLIENT.redirect_uri,
  });
  if (t.status !== 200) throw new Error(`token exchange failed: ${t.status} ${await t.text()}`);
  return { id, tokens: (await t.json()) as Tokens };
}

export function apiUrl(e: RunningOpenHumansEmulator, path: string, token?: string): string {
  return `${e.url}/api/direct-sharing/project/${path}${token ? `?access_token=${token}` : ''}`;
}

export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

export const META = JSON.stringify({ description: 'test file', tags: ['GPS'] });

/** The three direct-upload steps; returns the file id. */
export async function directUpload(
  e: RunningOpenHumansEmulator,
  token: string,
  filename: string,
  content: string,
): Promise<number> {
  const r1 = await postForm(apiUrl(e, 'files/upload/direct/', token), { filename, metadata: META });
  if (r1.status !== 201) throw new Error(`upload/direct: ${r1.status} ${await r1.text()}`);
  const { id, url } = (await r1.json()) as { id: number; url: string };
  const r2 = await fetch(url, { method: 'PUT', body: new Blob([content]) });
  if (r2.status !== 200) throw new Error(`PUT: ${r2.status}`);
  const r3 = await postForm(apiUrl(e, 'files/upload/complete/', token), { file_id: String(id) });
  if (r3.status !== 200) throw new Error(`complete: ${r3.status} ${await r3.text()}`);
  return id;
}

export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    out[unescape(m[1] ?? '')] = unescape(m[2] ?? '');
  }
  return out;
}

function unescape(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
