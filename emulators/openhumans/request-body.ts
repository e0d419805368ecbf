// DRF's request.data: form-urlencoded, multipart and JSON bodies are all accepted, parsed lazily (after
// authentication, as DRF does). Form encodings keep the LAST value of a repeated key (QueryDict.get).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import type { Readable } from 'node:stream';

/** What the content-type parsers leave on request.body; the real parsing happens in readRequestData. */
type RawBody =
  | { kind: 'form'; text: string }
  | { kind: 'json'; text: string }
  | { kind: 'unsupported'; contentType: string };

export type RequestData = Record<string, unknown>;

export type ReadResult =
  { ok: true; data: RequestData; json: boolean } | { ok: false; status: number; body: { detail: string } };

/** A file part handed to the caller while streaming (only the legacy upload takes one). */
export type FileSink = (fieldname: string, filename: string, stream: Readable) => Promise<void>;

export async function registerBodyParsers(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, { kind: 'form', text: String(body) } satisfies RawBody),
  );
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
    done(null, { kind: 'json', text: String(body) } satisfies RawBody),
  );
  await app.register(multipart, { limits: { fileSize: 5 * 1024 ** 3, fields: 1000, parts: 1000 } });
  // Anything else: DRF answers 415 when the view reads request.data. The body is left unread (Node drains it).
  app.addContentTypeParser('*', (req, _payload, done) =>
    done(null, {
      kind: 'unsupported',
      contentType: String(req.headers['content-type'] ?? ''),
    } satisfies RawBody),
  );
}

export async function readRequestData(request: FastifyRequest, fileSink?: FileSink): Promise<ReadResult> {
  if (request.isMultipart()) return readMultipart(request, fileSink);
  const raw = request.body as RawBody | undefined;
  if (!raw) return { ok: true, data: {}, json: false };
  if (raw.kind === 'form') return { ok: true, data: parseForm(raw.text), json: false };
  if (raw.kind === 'json') {
    if (raw.text.trim() === '') return { ok: true, data: {}, json: true };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.text);
    } catch (err) {
      return { ok: false, status: 400, body: { detail: `JSON parse error - ${(err as Error).message}` } };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      // Django forms need a mapping; DRF's request.data would be a list or scalar here.
      return { ok: false, status: 400, body: { detail: 'JSON parse error - expected a JSON object' } };
    }
    return { ok: true, data: parsed as RequestData, json: true };
  }
  const type = raw.contentType.split(';')[0]?.trim() ?? '';
  return { ok: false, status: 415, body: { detail: `Unsupported media type "${type}" in request.` } };
}

export function parseForm(text: string): RequestData {
  const data: RequestData = {};
  for (const [k, v] of new URLSearchParams(text)) data[k] = v;
  return data;
}

async function readMultipart(request: FastifyRequest, fileSink?: FileSink): Promise<ReadResult> {
  const data: RequestData = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (fileSink) await fileSink(part.fieldname, part.filename, part.file);
        else part.file.resume();
        // Drain whatever the sink left unread so the parser can move on.
        if (!part.file.readableEnded) await new Promise((r) => part.file.on('end', r).resume());
        if (part.file.truncated) {
          return { ok: false, status: 413, body: { detail: 'Request Entity Too Large' } };
        }
      } else {
        data[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
  } catch (err) {
    return {
      ok: false,
      status: 400,
      body: { detail: `Multipart form parse error - ${(err as Error).message}` },
    };
  }
  return { ok: true, data, json: false };
}
