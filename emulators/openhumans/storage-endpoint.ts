// The emulator's S3 stand-in: query-string (SigV2-style) pre-signed PUT and GET URLs under /_storage/.
// The signature covers Content-Type, so a PUT that sends one fails exactly like S3: 403 SignatureDoesNotMatch.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.ts';

export const BUCKET = 'open-humans-emulator';
const ACCESS_KEY_ID = 'AKIAEMULATOROPENHUMANS';
export const PUT_URL_LIFETIME_MS = 6 * 3600 * 1000;
export const GET_URL_LIFETIME_MS = 10 * 60 * 1000;

export class StorageSigner {
  private readonly secret: string;

  constructor(secret: string) {
    this.secret = secret;
  }

  stringToSign(
    method: string,
    contentMd5: string,
    contentType: string,
    expires: string,
    key: string,
  ): string {
    return `${method}\n${contentMd5}\n${contentType}\n${expires}\n/${BUCKET}/${key}`;
  }

  sign(stringToSign: string): string {
    return createHmac('sha1', this.secret).update(stringToSign).digest('base64');
  }

  /** A pre-signed URL for `method` on `key`, valid until `expiresAtMs` of the emulator clock. */
  presign(baseUrl: string, method: 'PUT' | 'GET', key: string, expiresAtMs: number): string {
    const expires = String(Math.floor(expiresAtMs / 1000));
    const signature = this.sign(this.stringToSign(method, '', '', expires, key));
    const q = new URLSearchParams({ AWSAccessKeyId: ACCESS_KEY_ID, Expires: expires, Signature: signature });
    return `${baseUrl}/_storage/${encodeKey(key)}?${q.toString()}`;
  }
}

export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function s3Error(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
) {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${esc(v)}</${k}>`)
    .join('');
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(message)}</Message>` +
    `${fields}<RequestId>${randomUUID().slice(0, 16).toUpperCase()}</RequestId></Error>`;
  return reply.code(status).header('Content-Type', 'application/xml').send(body);
}

type Verified = { ok: true; key: string } | { ok: false };

function verify(
  ctx: EmulatorContext,
  request: FastifyRequest,
  reply: FastifyReply,
  method: string,
): Verified {
  const rawPath = request.url.split('?')[0] ?? '';
  let key: string;
  try {
    key = rawPath
      .replace(/^\/_storage\//, '')
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    s3Error(reply, 400, 'InvalidURI', "Couldn't parse the specified URI.");
    return { ok: false };
  }
  const q = request.query as Record<string, unknown>;
  const expires = typeof q.Expires === 'string' ? q.Expires : undefined;
  const signature = typeof q.Signature === 'string' ? q.Signature : undefined;
  if (!expires || !signature || typeof q.AWSAccessKeyId !== 'string') {
    s3Error(
      reply,
      403,
      'AccessDenied',
      'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
    );
    return { ok: false };
  }
  const header = (name: string) => {
    const v = request.headers[name];
    return typeof v === 'string' ? v : '';
  };
  const sts = ctx.signer.stringToSign(method, header('content-md5'), header('content-type'), expires, key);
  const expected = Buffer.from(ctx.signer.sign(sts));
  const provided = Buffer.from(signature);
  if (expected.length !== provided.length || !timingSafeEqual(expected, provided)) {
    s3Error(
      reply,
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { AWSAccessKeyId: ACCESS_KEY_ID, StringToSign: sts, SignatureProvided: signature },
    );
    return { ok: false };
  }
  if (!/^\d+$/.test(expires) || Number(expires) * 1000 < ctx.state.clock.now()) {
    s3Error(reply, 403, 'AccessDenied', 'Request has expired', {
      Expires: /^\d+$/.test(expires) ? new Date(Number(expires) * 1000).toISOString() : expires,
      ServerTime: new Date(ctx.state.clock.now()).toISOString(),
    });
    return { ok: false };
  }
  return { ok: true, key };
}

export async function storageRoutes(app: FastifyInstance, ctx: EmulatorContext): Promise<void> {
  // Leave every PUT body unread so the handler can stream it straight to disk.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('Server', 'AmazonS3');
  });

  app.put('/_storage/*', async (request, reply) => {
    const v = verify(ctx, request, reply, 'PUT');
    if (!v.ok) return reply;
    const fault = ctx.faults.takePutFailure();
    if (fault?.drop) {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (fault)
      return s3Error(
        reply,
        fault.status,
        'InternalError',
        'We encountered an internal error. Please try again.',
      );
    const counted = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        ctx.stats.bytesUploaded += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      const obj = await ctx.storage.put(v.key, request.raw.pipe(counted));
      // S3's answer has an ETag and no body, and so no Content-Type.
      return reply.code(200).header('ETag', `"${obj.md5}"`).header('Content-Length', '0').send();
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, 'storage PUT aborted');
      if (request.raw.destroyed) return reply;
      return s3Error(
        reply,
        400,
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header',
      );
    }
  });

  app.get('/_storage/*', async (request, reply) => {
    const v = verify(ctx, request, reply, 'GET');
    if (!v.ok) return reply;
    const obj = ctx.storage.get(v.key);
    const stream = ctx.storage.openRead(v.key);
    if (!obj || !stream)
      return s3Error(reply, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: v.key });
    reply
      .code(200)
      .header('Content-Type', 'binary/octet-stream')
      .header('Content-Length', String(obj.size))
      .header('ETag', `"${obj.md5}"`);
    if (request.method === 'HEAD') {
      stream.destroy();
      return reply.send();
    }
    const counted = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        ctx.stats.bytesDownloaded += chunk.length;
        cb(null, chunk);
      },
    });
    stream.on('error', (err) => counted.destroy(err));
    return reply.send(stream.pipe(counted));
  });
}
