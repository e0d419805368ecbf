import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import { webhookBody, webhookSignature } from '../../../emulators/openhumans/webhook.ts';
import { apiUrl, authorizedMember, CLIENT, control, directUpload, start, tokenRequest } from './helpers.ts';

interface Received {
  body: string;
  signature: string | undefined;
}

let e: RunningOpenHumansEmulator;
let receiver: Server;
const received: Received[] = [];
let failNext = 0;
const SECRET = 'abcdefghijklmnop-webhook';

beforeAll(async () => {
  receiver = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sig = req.headers['x-openhumans-webhooks-signature'];
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: typeof sig === 'string' ? sig : undefined,
      });
      res.statusCode = failNext-- > 0 ? 500 : 200;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  e = await start();
  e.createProject({ ...CLIENT, webhook_url: `http://127.0.0.1:${port}/deauth`, webhook_secret: SECRET });
});
afterAll(async () => {
  await e.close();
  await new Promise((r) => receiver.close(r));
});

describe('deauthorization webhook', () => {
  it('matches the documented HMAC example', () => {
    const body =
      '{"project_member_id": "12345678", "erasure_requested": true, "timestamp": "2020-06-30T20:00:00.000000+00:00"}';
    expect(webhookSignature('abcdefghijklmnop', body)).toBe('sha1=ebda5c0a38593a4350ad8401b7d8c8f1cd08ec67');
    expect(webhookBody('12345678', false, Date.UTC(2020, 5, 30, 20, 0, 0, 123))).toBe(
      '{"project_member_id": "12345678", "erasure_requested": false, "timestamp": "2020-06-30T20:00:00.123000+00:00"}',
    );
  });

  it('revokes tokens and posts the signed payload when a member leaves', async () => {
    const { id, tokens } = await authorizedMember(e);
    const res = await control(e, `members/${id}/leave`, { erasure_requested: true });
    expect(res.status).toBe(200);
    const last = received.at(-1);
    expect(last?.body).toMatch(
      new RegExp(
        `^\\{"project_member_id": "${id}", "erasure_requested": true, "timestamp": "\\d{4}-\\d\\d-\\d\\dT[0-9:.]+\\+00:00"\\}$`,
      ),
    );
    const expected = `sha1=${createHmac('sha1', SECRET)
      .update(last?.body ?? '')
      .digest('hex')}`;
    expect(last?.signature).toBe(expected);
    expect((await fetch(apiUrl(e, 'exchange-member/', tokens.access_token))).status).toBe(401);
    const refresh = await tokenRequest(e, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(await refresh.text()).toBe('{"error": "invalid_grant"}');
  });

  it('re-posts once, double-encoded and unsigned, after a non-2xx', async () => {
    const { id } = await authorizedMember(e);
    failNext = 1;
    const before = received.length;
    await e.control.leave(id, { erasure_requested: false });
    const [first, retry] = received.slice(before);
    expect(received.length - before).toBe(2);
    expect(first?.signature).toMatch(/^sha1=[0-9a-f]{40}$/);
    expect(retry?.signature).toBeUndefined();
    expect(JSON.parse(retry?.body ?? '""')).toBe(first?.body);
  });
});

describe('download URLs', () => {
  it('redirect while the key is fresh and refuse it after an hour of emulator time', async () => {
    const { tokens } = await authorizedMember(e);
    await directUpload(e, tokens.access_token, 'a.json', 'content');
    const list = (await (await fetch(apiUrl(e, 'exchange-member/', tokens.access_token))).json()) as {
      data: { download_url: string }[];
    };
    const url = list.data[0]?.download_url ?? '';
    expect(url).toMatch(/\/data-management\/datafile-download\/\d+\/\?key=[0-9a-f-]{36}$/);
    const ok = await fetch(url, { redirect: 'manual' });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toContain('x-oh-key=');
    await e.control.configure({ clockOffsetMs: 3601 * 1000 });
    try {
      const late = await fetch(url, { redirect: 'manual' });
      expect(late.status).toBe(403);
      expect(await late.text()).toBe('<h1>You are not authorized to view this file.</h1>');
    } finally {
      await e.control.configure({ clockOffsetMs: 0 });
    }
    const wrong = await fetch(url.replace(/key=.*/, 'key=00000000-0000-0000-0000-000000000000'), {
      redirect: 'manual',
    });
    expect(wrong.status).toBe(403);
    // The expireDownloadUrls fault kills keys already handed out.
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
    await e.control.configure({ faults: { expireDownloadUrls: true } });
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(403);
  });
});
