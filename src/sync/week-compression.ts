// A stored week's text at rest: gzip, level 1. A week with track points is 250–400 kB of JSON. Compressing it
// runs on libuv's thread pool: about 0.5 ms of this thread per week, where the database's own compression took
// 2–4 ms of it (embedded PGlite runs on this thread) for a larger result. Decompressing runs here: 0.4 ms a
// week, less than the thread pool's callbacks and copies cost this thread (0.7–0.9 ms, measured).
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzip = promisify(zlib.gzip);

/**
 * Deterministic for one zlib version (no file name or time in the header), so equal texts give equal bytes and
 * the store can compare them. After a zlib upgrade an unchanged week may compare unequal once: it is then only
 * counted as changed, and the publish, which compares the whole file's md5, uploads nothing.
 */
export function compressWeek(text: string): Promise<Buffer> {
  return gzip(text, { level: 1 });
}

/** The week's text as UTF-8 bytes. Throws on bytes that are not gzip (never written by compressWeek). */
export function decompressWeek(gz: Buffer): Buffer {
  return zlib.gunzipSync(gz);
}
