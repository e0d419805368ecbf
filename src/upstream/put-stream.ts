// Streams a body to a pre-signed storage URL with PUT. node:http (not fetch) so the request carries an exact
// Content-Length and no Content-Type: S3-style signatures break with either chunked encoding or a type header.
import http from 'node:http';
import https from 'node:https';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface PutResult {
  status: number;
  /** Bytes the body stream actually produced. */
  sent: number;
  /** Up to 2 KB of the response body (for error messages). */
  bodyStart: string;
}

/** The body stream produced a different number of bytes than announced: our bug, never sent as a file. */
export class SizeMismatchError extends Error {
  override name = 'SizeMismatchError';
  readonly expected: number;
  readonly actual: number;

  constructor(expected: number, actual: number) {
    super(
      `the file to upload had ${actual}${actual > expected ? '+' : ''} bytes, not the announced ${expected}`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

export async function putStream(
  url: string,
  p: { body: Readable; size: number; signal: AbortSignal; userAgent: string },
): Promise<PutResult> {
  const target = new URL(url);
  const mod = target.protocol === 'https:' ? https : http;
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      if (sent > p.size) cb(new SizeMismatchError(p.size, sent));
      else cb(null, chunk);
    },
    flush(cb) {
      cb(sent === p.size ? null : new SizeMismatchError(p.size, sent));
    },
  });
  return new Promise<PutResult>((resolve, reject) => {
    const req = mod.request(target, {
      method: 'PUT',
      headers: { 'content-length': String(p.size), 'user-agent': p.userAgent },
      signal: p.signal,
    });
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      req.destroy();
      p.body.destroy();
      reject(err);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (c: Buffer) => {
        if (length < 2048) chunks.push(c);
        length += c.length;
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          sent,
          bodyStart: Buffer.concat(chunks).toString('utf8').slice(0, 2048),
        });
      });
    });
    pipeline(p.body, counter, req).catch(fail);
  });
}
