// Garbage at every route: the emulator answers each with a 4xx (or a valid 2xx/3xx) and keeps serving.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHarness, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.em.close());

/** Raw request: lets us send what fetch refuses to (bad encodings, odd methods, broken headers). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<number> {
  const url = new URL(h.em.url);
  return new Promise((resolve) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const ROUTES = [
  '/oauth/v1/authorize',
  '/oauth/v1/access_token',
  '/oauth/v1/tokeninfo',
  '/api/1.1/user/profile',
  '/api/1.1/user/storyline/daily',
  '/api/1.1/user/storyline/daily/2016-W24',
  '/api/1.1/user/summary/daily/201606',
  '/api/1.1/activities',
  '/_control/clients',
  '/_control/users',
  '/_control/users/123/authorize',
  '/_control/users/123/revoke',
  '/_control/users/123/edit',
  '/_control/config',
  '/_control/stats',
];
const QUERIES = [
  '',
  '?from=%ff&to=%00',
  '?pastDays=-1&trackPoints=maybe',
  '?updatedSince=20991399T999999Z&timeZone=%2e%2e',
  '?client_id[]=a&client_id[]=b&scope=activity&redirect_uri=javascript:alert(1)',
  '?grant_type=authorization_code&code=' + 'A'.repeat(5000),
  '?access_token=' + encodeURIComponent('💥'.repeat(40)),
];
const BODIES: Array<[string, string | Buffer]> = [
  ['application/json', '{"broken":'],
  ['application/json', '[1,2,3]'],
  ['application/json', 'null'],
  ['application/json', '{"firstDate":123,"timeZone":[],"faults":"x","date":{},"client_id":null,"userId":-5}'],
  ['application/x-www-form-urlencoded', 'request_id=%zz&decision=approve&user=new&&&=='],
  ['text/plain', 'hello'],
  ['application/octet-stream', Buffer.from([0, 255, 1, 254, 13, 10])],
  ['multipart/form-data; boundary=x', '--x\r\nbroken'],
];

describe('bad requests never crash the emulator', () => {
  it('every route × method × query × body answers below 500', async () => {
    const statuses: number[] = [];
    for (const route of ROUTES) {
      for (const q of QUERIES) {
        for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
          statuses.push(await raw(method, route + q, { authorization: 'Bearer garbage%%"<>' }));
        }
        for (const [type, body] of BODIES) {
          statuses.push(
            await raw('POST', route + q, { 'content-type': type, authorization: 'Basic %%%' }, body),
          );
        }
      }
    }
    statuses.push(await raw('GET', '/api/1.1/user/storyline/daily/' + 'x'.repeat(5000), {}));
    statuses.push(await raw('GET', '/%', {}));
    statuses.push(
      await raw(
        'POST',
        '/_control/users',
        { 'content-type': 'application/json' },
        '{"a":"' + 'x'.repeat(2_000_000) + '"}',
      ),
    );
    statuses.push(
      await raw('GET', '/api/1.1/user/profile', {
        authorization: 'Bearer ' + h.token,
        'if-none-match': 'W/"",,,*x',
      }),
    );
    expect(statuses.filter((s) => s < 100 || s >= 500)).toEqual([]);
    expect((await api(h, '/api/1.1/user/profile')).status).toBe(200);
  });

  it('valid tokens with garbage parameters get 400s, not 500s', async () => {
    for (const q of QUERIES) {
      for (const kind of ['summary', 'activities', 'places', 'storyline']) {
        const r = await api(h, `/api/1.1/user/${kind}/daily/${encodeURIComponent('2016-W99')}${q}`);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      }
    }
  });
});
