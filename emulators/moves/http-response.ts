// How the Moves servers answered data calls: compact JSON, weak ETag of the body, Last-Modified from the newest
// lastUpdate, 304 on a matching If-None-Match, gzip on request.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatHttpDate } from './time-format.ts';

export const JSON_TYPE = 'application/json; charset=utf-8';

export function weakEtag(body: string): string {
  return `W/"${createHash('md5').update(body).digest('hex')}"`;
}

/** True when any tag in If-None-Match equals ours (weak comparison: W/ prefixes ignored). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v.replace(/^W\//, '') === bare;
  });
}

export function acceptsGzip(request: FastifyRequest): boolean {
  const h = request.headers['accept-encoding'];
  return typeof h === 'string' && /\bgzip\b/i.test(h);
}

/** Sends JSON text, gzipped when asked; always with Vary: Accept-Encoding as the real servers did. */
export function sendJson(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: string,
): FastifyReply {
  reply.code(status).header('content-type', JSON_TYPE).header('vary', 'Accept-Encoding');
  if (acceptsGzip(request) && body.length > 0) {
    return reply.header('content-encoding', 'gzip').send(gzipSync(Buffer.from(body)));
  }
  return reply.send(body);
}

export interface DataResponse {
  body: string;
  etag: string;
  lastModified?: number;
}

export function dataResponse(body: string, lastModified?: number): DataResponse {
  return { body, etag: weakEtag(body), ...(lastModified !== undefined ? { lastModified } : {}) };
}

/** 304 when the client's tag matches, else 200 with the body. Returns the status sent. */
export function sendData(request: FastifyRequest, reply: FastifyReply, data: DataResponse): number {
  reply.header('etag', data.etag);
  if (data.lastModified !== undefined) reply.header('last-modified', formatHttpDate(data.lastModified));
  const inm = request.headers['if-none-match'];
  if (etagMatches(typeof inm === 'string' ? inm : undefined, data.etag)) {
    reply.code(304).header('vary', 'Accept-Encoding').send();
    return 304;
  }
  sendJson(request, reply, 200, data.body);
  return 200;
}

export function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(text);
}
