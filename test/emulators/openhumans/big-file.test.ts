// A 200 MB round trip through the direct upload and the download redirect, generated on the fly and hashed
// both ways; the emulator must stream, so the process memory stays flat.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import { apiUrl, authorizedMember, CLIENT, META, postForm, start } from './helpers.ts';

const SIZE = 200 * 1024 * 1024;
const CHUNK = 64 * 1024;

let e: RunningOpenHumansEmulator;
beforeAll(async () => {
  e = await start();
  e.createProject(CLIENT);
});
afterAll(async () => e.close());

function generated(hash: ReturnType<typeof createHash>): Readable {
  let sent = 0;
  let seed = 12345;
  return new Readable({
    read() {
      if (sent >= SIZE) return this.push(null);
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, SIZE - sent));
      for (let i = 0; i < chunk.length; i += 4) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        chunk.writeUInt32LE(seed, i);
      }
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

it('streams 200 MB up and back down with flat memory', async () => {
  const { id, tokens } = await authorizedMember(e);
  const r1 = await postForm(apiUrl(e, 'files/upload/direct/', tokens.access_token), {
    filename: 'big.bin',
    metadata: META,
  });
  const { id: fileId, url } = (await r1.json()) as { id: number; url: string };

  globalThis.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);

  const upHash = createHash('md5');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-length': String(SIZE) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    generated(upHash).pipe(req);
  });
  expect(status).toBe(200);
  const complete = await postForm(apiUrl(e, 'files/upload/complete/', tokens.access_token), {
    file_id: String(fileId),
  });
  expect(await complete.json()).toEqual({ status: 'ok', size: SIZE });

  const list = (await (await fetch(apiUrl(e, 'exchange-member/', tokens.access_token))).json()) as {
    data: { download_url: string }[];
  };
  const download = await fetch(list.data[0]?.download_url ?? '');
  expect(download.status).toBe(200);
  const downHash = createHash('md5');
  let downloaded = 0;
  for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
    downHash.update(chunk);
    downloaded += chunk.length;
  }
  clearInterval(sampler);

  const upMd5 = upHash.digest('hex');
  expect(downloaded).toBe(SIZE);
  expect(downHash.digest('hex')).toBe(upMd5);
  const files = await e.control.files(id);
  expect(files[0]).toMatchObject({ md5: upMd5, size: SIZE });
  const stats = await e.control.stats();
  expect(stats.bytesUploaded).toBeGreaterThanOrEqual(SIZE);
  expect(stats.bytesDownloaded).toBeGreaterThanOrEqual(SIZE);

  const MB = 1024 * 1024;
  expect((peakRss - baseline.rss) / MB).toBeLessThan(100);
  expect((peakHeap - baseline.heapUsed) / MB).toBeLessThan(100);
});
