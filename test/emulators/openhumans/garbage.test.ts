// Garbage on every route: wrong methods, broken bodies, odd content types and hostile values. Nothing may
// crash the emulator or produce an unexplained 500.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  parseOpenHumansEmulatorArgs,
  type RunningOpenHumansEmulator,
} from '../../../emulators/openhumans/index.ts';
import { authorizedMember, CLIENT, start } from './helpers.ts';

let e: RunningOpenHumansEmulator;
let token: string;
let master: string;
let memberId: string;
beforeAll(async () => {
  e = await start();
  master = e.createProject(CLIENT).master_token;
  const m = await authorizedMember(e);
  token = m.tokens.access_token;
  memberId = m.id;
});
afterAll(async () => e.close());

const ROUTES = [
  '/direct-sharing/projects/oauth2/authorize/',
  '/account/login/',
  '/oauth2/token/',
  '/oauth2/revoke_token/',
  '/api/direct-sharing/project/',
  '/api/direct-sharing/project/exchange-member/',
  '/api/direct-sharing/project/members/',
  '/api/direct-sharing/project/message/',
  '/api/direct-sharing/project/remove-members/',
  '/api/direct-sharing/project/files/upload/',
  '/api/direct-sharing/project/files/upload/direct/',
  '/api/direct-sharing/project/files/upload/complete/',
  '/api/direct-sharing/project/files/delete/',
  '/data-management/datafile-download/1/',
  '/data-management/datafile-download/abc/',
  '/_storage/member-files/x/y',
  '/_control/projects',
  '/_control/members',
  '/_control/members/00000000/authorize',
  '/_control/members/00000000/leave',
  '/_control/members/00000000/files',
  '/_control/stats',
  '/_control/config',
  '/nowhere',
];

const BODIES: [string | undefined, string | Uint8Array<ArrayBuffer>][] = [
  ['application/json', '{"metadata": '],
  ['application/json', '[1,2,3]'],
  ['application/json', 'null'],
  [
    'application/json',
    JSON.stringify({
      metadata: { a: 1 },
      filename: ['x'],
      file_id: { x: 1 },
      all_files: [],
      project_member_ids: 5,
    }),
  ],
  ['application/x-www-form-urlencoded', 'a=%zz&&=&file_id=-1&file_basename=&all_files=yes&metadata=%7B'],
  [
    'multipart/form-data; boundary=zzz',
    '--zzz\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{\r\n--zz',
  ],
  ['multipart/form-data', 'no boundary'],
  ['text/plain', 'hello'],
  ['application/octet-stream', new Uint8Array([0, 255, 1, 254])],
  [undefined, 'raw'],
];

const QUERIES = [
  '',
  `?access_token=${'x'.repeat(3000)}`,
  '?access_token=&limit=-5&offset=abc',
  '?key=%00%ff&limit=1e9',
];

it('never crashes and never answers an unexplained 500', async () => {
  const statuses = new Map<string, number>();
  for (const route of ROUTES) {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const [type, body] of BODIES) {
        for (const q of QUERIES) {
          const withToken = q === '' ? `?access_token=${route.includes('members') ? master : token}` : q;
          const res = await fetch(`${e.url}${route}${withToken}`, {
            method,
            redirect: 'manual',
            headers: type ? { 'content-type': type } : {},
            body: method === 'GET' ? undefined : body,
          });
          await res.arrayBuffer();
          statuses.set(`${method} ${route}`, res.status);
          // The only 500s the emulator gives are the real service's documented ones.
          if (res.status >= 500) {
            const documented = route.endsWith('/exchange-member/') || route.endsWith('/members/');
            expect(documented, `${method} ${route}${withToken} ${type}`).toBe(true);
          }
        }
      }
    }
  }
  // Still alive and still correct.
  const res = await fetch(`${e.url}/api/direct-sharing/project/exchange-member/?access_token=${token}`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { project_member_id: string }).project_member_id).toBe(memberId);
  expect(statuses.size).toBeGreaterThan(100);
});

it('answers malformed Authorization headers and raw sockets without crashing', async () => {
  for (const authorization of [
    'Basic',
    'Basic !!!',
    'Basic ' + Buffer.from('no-colon').toString('base64'),
    'Bearer  ',
    'Token x',
  ]) {
    const r = await fetch(`${e.url}/oauth2/token/`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x',
    });
    expect(r.status).toBe(401);
    const a = await fetch(`${e.url}/api/direct-sharing/project/`, { headers: { authorization } });
    expect(a.status).toBe(401);
  }
  const { connect } = await import('node:net');
  await new Promise<void>((resolve) => {
    const s = connect(e.port, '127.0.0.1', () =>
      s.end('POST /oauth2/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 999\r\n\r\npartial'),
    );
    s.on('close', () => resolve());
    s.on('error', () => resolve());
    s.resume();
  });
  expect((await fetch(`${e.url}/_control/stats`)).status).toBe(200);
});

it('parses CLI options strictly', () => {
  expect(
    parseOpenHumansEmulatorArgs([
      '--port',
      '8001',
      '--time-scale',
      '60',
      '--host',
      '0.0.0.0',
      '--storage-dir',
      '/tmp/x',
    ]),
  ).toEqual({
    port: 8001,
    timeScale: 60,
    host: '0.0.0.0',
    storageDir: '/tmp/x',
  });
  expect(parseOpenHumansEmulatorArgs([])).toEqual({});
  expect(() => parseOpenHumansEmulatorArgs(['--port', 'abc'])).toThrow(/--port/);
  expect(() => parseOpenHumansEmulatorArgs(['--port', '70000'])).toThrow(/--port/);
  expect(() => parseOpenHumansEmulatorArgs(['--time-scale', '0'])).toThrow(/--time-scale/);
  expect(() => parseOpenHumansEmulatorArgs(['--bogus'])).toThrow();
});
