// Reads the multipart body of an upload to a file, within bounds: the file is cut off as soon as it passes the
// size limit (a chunked body declares no length), a body that sends nothing for the stall time is closed, and a
// body that is not well-formed multipart is told apart from a failure of ours. The CSRF field must come first.
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type Received =
  | { kind: 'stored'; bytes: number; fileName: string | undefined }
  /** No part named "archive" after a valid CSRF field. */
  | { kind: 'no-file' }
  /** The CSRF check failed: its 403 page has been sent. */
  | { kind: 'csrf-refused' }
  | { kind: 'too-large' }
  | { kind: 'stalled' }
  /** The client went away. */
  | { kind: 'aborted' }
  | { kind: 'malformed'; detail: string };

class TooLarge extends Error {}

/** The file part, counted: errors as soon as more than `max` bytes have passed. */
function capped(max: number, seen: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen.bytes += chunk.length;
      cb(seen.bytes > max ? new TooLarge() : null, chunk);
    },
  });
}

/** Closes the request when no byte arrives for `ms`; `stop` ends the watch. */
function watchStall(request: FastifyRequest, ms: number, onStall: () => void): () => void {
  let timer = setTimeout(fire, ms);
  function fire() {
    onStall();
    request.raw.destroy();
  }
  const bump = () => {
    clearTimeout(timer);
    timer = setTimeout(fire, ms);
  };
  const stop = () => {
    clearTimeout(timer);
    request.raw.off('data', bump);
  };
  // Listening to 'data' is safe only once the body is piped to the parser (a listener alone would start the flow).
  request.raw.on('data', bump);
  // Once the whole body is in, slow work of ours (the disk) is not the client's stall.
  request.raw.once('end', stop);
  return stop;
}

/** Errors busboy and the multipart plugin raise for a body that breaks the multipart format. */
function malformation(err: unknown): string | null {
  const e = err as { code?: string; message?: string };
  if (e.code === undefined && typeof e.message === 'string' && !(err instanceof TooLarge)) return e.message;
  if (e.code && /^FST_(PARTS_LIMIT|FILES_LIMIT|FIELDS_LIMIT|PROTO_VIOLATION)$/.test(e.code))
    return e.message ?? e.code;
  return null;
}

export async function receiveUpload(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  opts: { target: string; maxBytes: number; stallMs: number },
): Promise<Received> {
  let stalled = false;
  let stop = () => {};
  let csrfChecked = false;
  let stored: { bytes: number; fileName: string | undefined } | undefined;
  try {
    const parts = request.parts(); // pipes the body to the parser
    stop = watchStall(request, opts.stallMs, () => (stalled = true));
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.fieldname !== '_csrf' || csrfChecked) continue;
        request.body = { _csrf: part.value };
        // The plugin's check is synchronous: on failure it has already sent the 403 page.
        app.csrfProtection.call(app, request, reply, () => (csrfChecked = true));
        if (!csrfChecked) return { kind: 'csrf-refused' };
        continue;
      }
      if (part.fieldname !== 'archive' || !csrfChecked || stored) {
        part.file.resume();
        continue;
      }
      const seen = { bytes: 0 };
      await pipeline(part.file, capped(opts.maxBytes, seen), fs.createWriteStream(opts.target));
      stored = { bytes: seen.bytes, fileName: part.filename };
    }
  } catch (err) {
    if (stalled) return { kind: 'stalled' };
    if (err instanceof TooLarge || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      // Not one more byte: the answer goes out with "connection: close", and the socket closes after it.
      request.raw.unpipe();
      request.raw.pause();
      return { kind: 'too-large' };
    }
    if (request.raw.destroyed || (err as { code?: string }).code === 'FST_MP_PREMATURE_CLOSE')
      return { kind: 'aborted' };
    const detail = malformation(err);
    if (detail !== null) return { kind: 'malformed', detail };
    throw err;
  } finally {
    stop();
  }
  if (!csrfChecked) {
    app.csrfProtection.call(app, request, reply, () => undefined);
    return { kind: 'csrf-refused' };
  }
  return stored ? { kind: 'stored', ...stored } : { kind: 'no-file' };
}
