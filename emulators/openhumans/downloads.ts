// /data-management/datafile-download/<id>/?key=<uuid>: keys are minted on every exchange-member call and
// live one hour (scaled); a valid key redirects to a short-lived pre-signed storage GET URL.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.ts';
import { djangoView, requestBaseUrl, sendHtml } from './drf.ts';
import { GET_URL_LIFETIME_MS } from './storage-endpoint.ts';

export const DOWNLOAD_KEY_LIFETIME_MS = 3600 * 1000;

interface DownloadKey {
  fileId: number;
  createdAt: number;
}

export class DownloadKeys {
  private readonly keys = new Map<string, DownloadKey>();

  mint(fileId: number, now: number): string {
    if (this.keys.size > 50_000) this.prune(now);
    const key = randomUUID();
    this.keys.set(key, { fileId, createdAt: now });
    return key;
  }

  lookup(key: string): DownloadKey | undefined {
    return this.keys.get(key);
  }

  private prune(now: number): void {
    // Keys older than a day of real time are useless at any time scale >= 1/24.
    for (const [k, v] of this.keys) if (now - v.createdAt > 24 * 3600 * 1000) this.keys.delete(k);
  }
}

export function downloadUrl(baseUrl: string, ctx: EmulatorContext, fileId: number): string {
  const key = ctx.downloadKeys.mint(fileId, ctx.state.clock.now());
  return `${baseUrl}/data-management/datafile-download/${fileId}/?key=${key}`;
}

const NOT_AUTHORIZED = '<h1>You are not authorized to view this file.</h1>';
const UNAVAILABLE = '<h1>This file is unavailable.</h1>';

export function downloadRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const handler = {
    GET: async (request: FastifyRequest, reply: FastifyReply) => {
      const { id } = request.params as { id: string };
      const file = /^\d{1,12}$/.test(id) ? ctx.state.files.get(Number(id)) : undefined;
      if (!file || !file.completed || !ctx.storage.get(file.storageKey))
        return sendHtml(reply, 403, UNAVAILABLE);
      const q = request.query as Record<string, unknown>;
      const key = typeof q.key === 'string' ? ctx.downloadKeys.lookup(q.key) : undefined;
      const now = ctx.state.clock.now();
      const lifetimeMs = ctx.state.clock.scaled(
        ctx.faults.downloadUrlLifetimeSeconds !== null
          ? ctx.faults.downloadUrlLifetimeSeconds * 1000
          : DOWNLOAD_KEY_LIFETIME_MS,
      );
      const valid =
        key !== undefined &&
        key.fileId === file.id &&
        key.createdAt >= ctx.faults.downloadKeysValidFrom &&
        now - key.createdAt < lifetimeMs;
      if (!valid) return sendHtml(reply, 403, NOT_AUTHORIZED);
      const base = requestBaseUrl(request, ctx.baseUrl());
      const url = ctx.signer.presign(
        base,
        'GET',
        file.storageKey,
        now + ctx.state.clock.scaled(GET_URL_LIFETIME_MS),
      );
      return reply.redirect(`${url}&x-oh-key=${q.key as string}`, 302);
    },
  };
  djangoView(app, ctx.knownPaths, '/data-management/datafile-download/:id/', handler);
}
