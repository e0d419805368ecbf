// Signed storyline notifications on edits, injected faults, and CLI argument parsing.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMovesEmulatorArgs } from '../index.ts';
import { api, CLIENT, post, startHarness, tokenFor, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    firstDate: '20160616',
    timeZone: 'America/Los_Angeles',
    seed: 4,
    userId: '20933782050890778',
  });
});
afterAll(() => h.em.close());

describe('notifications', () => {
  it('an edit POSTs a signed payload with a bare 64-bit userId to authorised clients only', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    let resolve!: () => void;
    const arrived = new Promise<void>((r) => (resolve = r));
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
        resolve();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/moves-hook`;
      h.em.registerClient({ ...CLIENT, notification_url: url });
      h.em.registerClient({
        client_id: 'other',
        client_secret: 'other-secret',
        redirect_uris: ['http://127.0.0.1:9/x'],
        notification_url: url,
      });
      const r = await post(h.em, `/_control/users/${h.userId}/edit`, { date: '20160701' });
      expect(r.json).toMatchObject({ notified: [CLIENT.client_id] });
      await arrived;
      expect(received).toHaveLength(1);
      const { headers, body } = received[0]!;
      expect(body).toMatch(
        /^\{"userId":20933782050890778,"storylineUpdates":\[\{"reason":"DataUpload","startTime":"\d{8}T\d{6}Z","endTime":"\d{8}T\d{6}-0700","lastSegmentType":"(place|move|off)","lastSegmentStartTime":"\d{8}T\d{6}Z"\}\]\}$/,
      );
      const expected = createHmac('sha1', CLIENT.client_secret)
        .update(body + String(headers['x-moves-timestamp']) + String(headers['x-moves-nonce']))
        .digest('base64');
      expect(headers['x-moves-signature']).toBe(expected);
      expect(String(headers['x-moves-timestamp'])).toMatch(/^\d{10}$/);
    } finally {
      receiver.close();
    }
  });

  it('an unreachable notification URL does not break edits', async () => {
    h.em.registerClient({ ...CLIENT, notification_url: 'http://127.0.0.1:9/closed' });
    const r = await post(h.em, `/_control/users/${h.userId}/edit`, { date: '20160702' });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 100));
    expect((await api(h, '/api/1.1/user/profile')).status).toBe(200);
  });
});

describe('faults', () => {
  it('a status for the next N requests on a prefix, then normal service', async () => {
    h.em.configure({
      faults: [{ kind: 'status', status: 503, count: 2, pathPrefix: '/api/1.1/user/storyline' }],
    });
    expect((await api(h, '/api/1.1/user/profile')).status).toBe(200);
    expect((await api(h, '/api/1.1/user/storyline/daily/20160701')).status).toBe(503);
    expect((await api(h, '/api/1.1/user/storyline/daily/20160701')).status).toBe(503);
    expect((await api(h, '/api/1.1/user/storyline/daily/20160701')).status).toBe(200);
  });

  it('random 5xx with probability 1 picks one of 500/502/503', async () => {
    h.em.configure({ faults: [{ kind: 'status', probability: 1, count: 1 }] });
    expect([500, 502, 503]).toContain((await api(h, '/api/1.1/user/profile')).status);
  });

  it('truncated and malformed bodies are not valid JSON', async () => {
    h.em.configure({ faults: [{ kind: 'truncate', count: 1 }] });
    const t = await api(h, '/api/1.1/user/summary/daily/201607');
    expect(t.status).toBe(200);
    expect(() => JSON.parse(t.text)).toThrow();
    h.em.configure({ faults: [{ kind: 'malformed', count: 1 }] });
    const m = await api(h, '/api/1.1/user/summary/daily/201607');
    expect(() => JSON.parse(m.text)).toThrow();
    expect(JSON.parse((await api(h, '/api/1.1/user/summary/daily/201607')).text)).toBeInstanceOf(Array);
  });

  it('a dropped connection fails the request; latency delays it; the server lives on', async () => {
    h.em.configure({ faults: [{ kind: 'drop', count: 1 }] });
    await expect(api(h, '/api/1.1/user/profile')).rejects.toThrow();
    h.em.configure({ faults: [{ kind: 'latency', latencyMs: 50, count: 1 }] });
    expect((await api(h, '/api/1.1/user/profile')).status).toBe(200);
    const stats = (await (await fetch(`${h.em.url}/_control/stats`)).json()) as {
      byRoute: Record<string, Record<string, number>>;
      rateLimited: number;
      bytesSent: number;
    };
    expect(stats.byRoute['GET /api/1.1/user/:kind/daily/:period']?.['503']).toBe(2);
    expect(stats.bytesSent).toBeGreaterThan(0);
    h.em.configure({ faults: [] });
  });

  it('bad config is refused', async () => {
    const r = await post(h.em, '/_control/config', { faults: [{ kind: 'explode' }] });
    expect(r.status).toBe(400);
    const ok = await post(h.em, '/_control/config', { minuteLimit: 70 });
    expect((ok.json as { minuteLimit: number }).minuteLimit).toBe(70);
  });
});

describe('control API', () => {
  it('creates users with numeric or string 64-bit ids, exact', async () => {
    const res = await fetch(`${h.em.url}/_control/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"firstDate":"2017-01-01","timeZone":"Europe/Helsinki","userId":9007199254740993}',
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { userId: string }).userId).toBe('9007199254740993');
    const { token } = await tokenFor(h.em, '9007199254740993');
    expect((await api({ em: h.em, token }, '/api/1.1/user/profile')).text).toMatch(
      /^\{"userId":9007199254740993,/,
    );
    expect(
      (await post(h.em, '/_control/users', { firstDate: 'soon', timeZone: 'Europe/Berlin' })).status,
    ).toBe(400);
    expect(
      (await post(h.em, '/_control/users', { firstDate: '20170101', timeZone: 'Nowhere/Land' })).status,
    ).toBe(400);
  });
});

describe('parseMovesEmulatorArgs', () => {
  it('parses every option', () => {
    expect(
      parseMovesEmulatorArgs([
        '--port',
        '4000',
        '--host',
        '0.0.0.0',
        '--time-scale',
        '60',
        '--minute-limit',
        '120',
        '--hour-limit',
        '4000',
        '--rate-scope',
        'app',
      ]),
    ).toEqual({
      port: 4000,
      host: '0.0.0.0',
      timeScale: 60,
      minuteLimit: 120,
      hourLimit: 4000,
      rateScope: 'app',
    });
    expect(parseMovesEmulatorArgs([])).toEqual({});
  });
  it.each([
    [['--port', 'abc']],
    [['--time-scale', '0']],
    [['--minute-limit', '1.5']],
    [['--rate-scope', 'global']],
    [['--bogus']],
    [['positional']],
  ])('refuses %j', (argv) => {
    expect(() => parseMovesEmulatorArgs(argv)).toThrow();
  });
});
