// What keeps uploads from exhausting the server: one per member at a time (decided atomically), a global disk
// budget answered with a "try again in a few minutes" page, an over-limit body cut off at the limit (a chunked
// one included), a stalled upload closed, malformed multipart answered 400, and server timeouts that are not 0.
// The server listens on a real port here: limits on a connection cannot be seen through inject.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { Job } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { importWorkDir } from '../../src/archive/import-archive.ts';
import { archiveImports } from '../../src/db/schema.ts';
import { handleSyncMember } from '../../src/jobs/handlers.ts';
import { csrfFrom, setCookie, signIn, startWebSandbox, type WebSandbox } from './support.ts';
import { dates, jackson, storylineDay, zipBuffer } from '../archive/fixtures.ts';

const MAX = 1024 * 1024;
let web: WebSandbox;
let port: number;

beforeAll(async () => {
  web = await startWebSandbox({
    env: {
      IMPORT_MAX_BYTES: String(MAX),
      IMPORT_DISK_BUDGET_BYTES: String(1.5 * MAX),
      IMPORT_STALL_SECONDS: '1',
    },
  });
  await web.app.listen({ port: 0, host: '127.0.0.1' });
  port = (web.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await web?.close();
});

const BOUNDARY = 'oh-moves-test-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A signed-in member's cookie and the import form's CSRF token. */
async function member() {
  const { cookie, ohMemberId } = await signIn(web);
  const page = await web.app.inject({ method: 'GET', url: '/import', headers: { cookie } });
  const memberId = (await web.ctx.accounts.findMemberByOhId(ohMemberId))!;
  return { cookie: setCookie(page) ?? cookie, token: csrfFrom(page.body), memberId };
}

/** The multipart body up to the file's data, and its end. */
function envelope(token: string, fileName = 'moves_export.zip') {
  const head =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="archive"; filename="${fileName}"\r\n` +
    'Content-Type: application/zip\r\n\r\n';
  return { head: Buffer.from(head), tail: Buffer.from(`\r\n--${BOUNDARY}--\r\n`) };
}

async function smallExport(): Promise<Buffer> {
  const days = dates('20160104', 7).map((d) => storylineDay(d));
  return zipBuffer({ 'moves_export/json/full/storyline.json': jackson(days) });
}

function post(m: { cookie: string; token: string }, file: Buffer) {
  const { head, tail } = envelope(m.token);
  return web.app.inject({
    method: 'POST',
    url: '/import',
    headers: { cookie: m.cookie, 'content-type': CONTENT_TYPE },
    payload: Buffer.concat([head, file, tail]),
  });
}

const uploadFiles = () => fs.readdirSync(importWorkDir(web.ctx)).filter((n) => n.startsWith('upload-'));
const rowsOf = (memberId: number) =>
  web.ctx.db.select().from(archiveImports).where(eq(archiveImports.memberId, memberId));

async function runMemberJob(memberId: number) {
  await handleSyncMember(web.ctx, { id: 'test', data: { memberId, reason: 'import' } } as Job<unknown>);
}

describe('upload limits', () => {
  it('accepts exactly one of five simultaneous uploads by one member', async () => {
    const m = await member();
    const file = await smallExport();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(m, file)));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([303, 409, 409, 409, 409]);
    expect(answers.find((a) => a.statusCode === 409)!.body).toContain('An import is already running');
    expect(await rowsOf(m.memberId)).toHaveLength(1);
    await runMemberJob(m.memberId);
    expect((await rowsOf(m.memberId)).map((r) => r.status)).toEqual(['done']);
    expect((await post(m, file)).statusCode).toBe(303);
    await runMemberJob(m.memberId);
  });

  it('answers "try again in a few minutes" when the disk budget is used, and accepts once it is free', async () => {
    const a = await member();
    const b = await member();
    // Waiting for its import, a's upload holds its size of the budget (1.5 MiB).
    const big = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(MAX - 1024, 1)]);
    expect((await post(a, big)).statusCode).toBe(303);
    const refused = await post(b, big);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('300');
    expect(refused.headers.connection).toBe('close');
    expect(refused.body).toContain('try again in a few minutes');
    expect(await rowsOf(b.memberId)).toEqual([]);
    expect(uploadFiles()).toHaveLength(1);
    await runMemberJob(a.memberId); // a's import ends (it fails: not a real zip) and its file is deleted
    expect((await post(b, await smallExport())).statusCode).toBe(303);
    await runMemberJob(b.memberId);
  });

  it('cuts off a chunked body as soon as it passes the limit: 413 while the client still has much to send', async () => {
    const m = await member();
    const total = 64 * MAX;
    const serverSockets: net.Socket[] = [];
    const onConnection = (s: net.Socket) => serverSockets.push(s);
    web.app.server.on('connection', onConnection);
    const { head } = envelope(m.token);
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/import',
      headers: { cookie: m.cookie, 'content-type': CONTENT_TYPE, 'transfer-encoding': 'chunked' },
    });
    const answer = new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    let answered = false;
    void answer.then(() => (answered = true));
    const closed = new Promise<void>((resolve) => req.on('close', resolve));
    req.on('error', () => {}); // the server closes the connection while we are still writing
    const chunk = Buffer.alloc(64 * 1024, 0x50);
    let sent = 0;
    req.write(head);
    while (!answered && !req.destroyed && sent < total) {
      sent += chunk.length;
      if (!req.write(chunk)) await Promise.race([new Promise((r) => req.once('drain', r)), answer, closed]);
    }
    if (!answered && !req.destroyed) req.end(); // all sent and no answer yet: the server read it all
    const res = await answer;
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(sent).toBeLessThan(total / 4);
    await closed;
    web.app.server.off('connection', onConnection);
    // What the server read of it: the limit, and what was already in flight.
    expect(serverSockets).toHaveLength(1);
    expect(serverSockets[0]!.bytesRead).toBeLessThan(total / 4);
    await vi.waitFor(async () => expect(await rowsOf(m.memberId)).toEqual([]));
    expect(uploadFiles()).toEqual([]);
  });

  it('closes an upload that sends nothing for the stall time, and frees its slot', async () => {
    const m = await member();
    const { head } = envelope(m.token);
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      `POST /import HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${m.cookie}\r\n` +
        `Content-Type: ${CONTENT_TYPE}\r\nContent-Length: ${head.length + 500_000}\r\n\r\n`,
    );
    socket.write(Buffer.concat([head, Buffer.from('PK\u0003\u0004 the rest never comes')]));
    await closed; // without the stall watch this never happens
    await vi.waitFor(async () => expect(await rowsOf(m.memberId)).toEqual([]));
    expect(uploadFiles()).toEqual([]);
    expect((await post(m, await smallExport())).statusCode).toBe(303);
    await runMemberJob(m.memberId);
  });

  it('answers 400 to multipart bodies without their closing boundary, or without any boundary', async () => {
    const m = await member();
    const { head } = envelope(m.token);
    for (const payload of [
      Buffer.concat([head, Buffer.from('PK\u0003\u0004 and then nothing')]),
      Buffer.from('this body never mentions the boundary'),
      head.subarray(0, head.length - 30),
    ]) {
      const res = await web.app.inject({
        method: 'POST',
        url: '/import',
        headers: { cookie: m.cookie, 'content-type': CONTENT_TYPE },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('The upload arrived damaged');
    }
    expect(await rowsOf(m.memberId)).toEqual([]);
    expect(uploadFiles()).toEqual([]);
  });

  it('has a request timeout and a headers timeout (Node leaves the first at 0: never)', () => {
    expect(web.app.server.requestTimeout).toBeGreaterThan(0);
    expect(web.app.server.headersTimeout).toBeLessThanOrEqual(30_000);
  });
});
