// Bring your own Moves export: GET /import (guide, form, live status), POST /import (multipart field `archive`
// plus the CSRF field, streamed to a file under DATA_DIR; the member's job does the rest), GET /import/status
// (polled while an import runs) and, in the sandbox, GET /import/sample (a demo user's export from the Moves
// emulator). The web process never opens the archive: it checks the first bytes only.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { movesControlClient } from '../../../emulators/moves/client.ts';
import { latestUpload, queueUpload, unfinishedUpload, uploadPath } from '../../archive/uploads.ts';
import type { AppContext } from '../../context.ts';
import { sendMessagePage, type MessagePage } from '../errors.ts';
import { describeImport, refusedDaysCsv } from '../import-status.ts';
import { requireMember } from '../session.ts';
import { formatBytes } from '../status-words.ts';
import { renderPage } from '../views.ts';

/** What an upload may start with: a zip ("PK") or a JSON array (after a BOM and white space). */
export function looksLikeArchive(head: Buffer): boolean {
  if (head[0] === 0x50 && head[1] === 0x4b) return true;
  return /^\uFEFF?\s*\[/.test(head.toString('utf8'));
}

async function firstBytes(file: string): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(64), 0, 64, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The browser's file name, for display only: no folders, no control characters, bounded. */
export function displayName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 120);
  return clean || 'your file';
}

async function importStatus(ctx: AppContext, memberId: number) {
  const [row, file] = await Promise.all([latestUpload(ctx, memberId), ctx.publishing.current(memberId)]);
  return describeImport(row, file?.publishedAt ?? null);
}

export async function registerImport(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const max = ctx.config.importMaxBytes;
  await app.register(multipart, {
    limits: { fileSize: max, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
  });

  /** The XHR upload wants JSON; a plain form post gets a page. */
  const refuse = (request: FastifyRequest, reply: FastifyReply, page: MessagePage) => {
    if (/application\/json/.test(request.headers.accept ?? ''))
      return reply.code(page.status).send({ error: { title: page.title, what: page.what, todo: page.todo } });
    return sendMessagePage(request, reply, {
      actions: [{ href: '/import', label: 'Back to the import page' }],
      ...page,
    });
  };
  const tooLarge = (request: FastifyRequest, reply: FastifyReply) =>
    refuse(request, reply, {
      status: 413,
      title: 'That file is too large',
      what: `Uploads are limited to ${formatBytes(max)} here; a Moves export is usually far smaller.`,
      todo: 'Check that you picked moves_export.zip (or the json.zip inside it). If it really is larger, ask the operator to raise IMPORT_MAX_BYTES.',
    });

  app.get('/import', { preHandler: requireMember }, async (request, reply) => {
    const member = request.member!;
    return renderPage(request, reply, 'import', {
      title: 'Import your Moves export',
      status: await importStatus(ctx, member.id),
      maxText: formatBytes(max),
      maxBytes: max,
      sandbox: ctx.config.sandbox,
    });
  });

  app.get('/import/status', { logLevel: 'warn', preHandler: requireMember }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return reply.send(await importStatus(ctx, request.member!.id));
  });

  // Every day an import refused, with its reason: the import page lists only the first few.
  app.get('/import/refused.csv', { preHandler: requireMember }, async (request, reply) => {
    const rows = await ctx.imports.refusedDays(request.member!.id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="refused-days.csv"')
      .header('cache-control', 'no-store')
      .send(refusedDaysCsv(rows));
  });

  app.post('/import', { preHandler: requireMember }, async (request, reply) => {
    const member = request.member!;
    const declared = Number(request.headers['content-length'] ?? 0);
    // Refused before reading: the multipart envelope adds well under 64 KiB to the file.
    if (declared > max + 64 * 1024) {
      reply.header('connection', 'close');
      return tooLarge(request, reply);
    }
    if (!request.isMultipart())
      return refuse(request, reply, {
        status: 400,
        title: 'No file was sent',
        what: 'The upload did not contain a file.',
        todo: 'Choose your moves_export.zip on the import page and send it again.',
      });
    if (await unfinishedUpload(ctx, member.id))
      return refuse(request, reply, {
        status: 409,
        title: 'An import is already running',
        what: 'Your previous upload is still being imported.',
        todo: 'Wait until it has finished (the import page shows its progress), then upload again if you need to.',
      });

    let csrfChecked = false;
    let stored: { path: string; bytes: number; fileName: string } | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (part.fieldname !== '_csrf' || csrfChecked) continue;
          request.body = { _csrf: part.value };
          // The plugin's check is synchronous: on failure it has already sent the 403 page.
          app.csrfProtection.call(app, request, reply, () => (csrfChecked = true));
          if (!csrfChecked) return reply;
          continue;
        }
        if (part.fieldname !== 'archive' || !csrfChecked || stored) {
          part.file.resume();
          continue;
        }
        const target = await uploadPath(ctx);
        stored = { path: target, bytes: 0, fileName: displayName(part.filename) };
        await pipeline(part.file, fs.createWriteStream(target));
        stored.bytes = part.file.bytesRead;
      }
    } catch (err) {
      if (stored) await fs.promises.rm(stored.path, { force: true });
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(request, reply);
      throw err;
    }
    if (!csrfChecked) {
      if (stored) await fs.promises.rm(stored.path, { force: true });
      app.csrfProtection.call(app, request, reply, () => undefined);
      return reply;
    }
    const problem = !stored
      ? { title: 'No file was sent', what: 'The upload did not contain a file in the field "archive".' }
      : stored.bytes === 0
        ? { title: 'The file is empty', what: `${stored.fileName} holds no data.` }
        : !looksLikeArchive(await firstBytes(stored.path))
          ? {
              title: 'That is not a Moves export',
              what: `${stored.fileName} is neither a zip archive nor a JSON storyline file.`,
            }
          : null;
    if (problem) {
      if (stored) await fs.promises.rm(stored.path, { force: true });
      return refuse(request, reply, {
        status: stored && stored.bytes > 0 ? 415 : 400,
        ...problem,
        todo: 'Choose the moves_export.zip you downloaded from Moves (or the json.zip inside it, or a storyline.json).',
      });
    }
    await queueUpload(ctx, member.id, {
      fileName: stored!.fileName,
      path: stored!.path,
      bytes: stored!.bytes,
    });
    if (/application\/json/.test(request.headers.accept ?? ''))
      return reply.code(202).send({ ok: true, statusUrl: '/import/status' });
    return reply.redirect('/import', 303);
  });

  // The sandbox's Moves emulator can export a made-up history: newcomers can try the whole path.
  app.get('/import/sample', { preHandler: requireMember }, async (request, reply) => {
    if (!ctx.config.sandbox)
      return sendMessagePage(request, reply, {
        status: 404,
        title: 'Page not found',
        what: 'Sample exports exist only in the sandbox.',
      });
    const moves = movesControlClient(ctx.config.moves.apiBase);
    const today = new Date(ctx.clock.now());
    const first = new Date(today.getTime() - 60 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const { userId } = await moves.createUser({ firstDate: first, timeZone: 'Europe/Berlin' });
    const res = await moves.exportArchive(userId);
    if (!res.body) throw new Error('the Moves emulator sent an empty export');
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', 'attachment; filename="moves_export.zip"')
      .header('cache-control', 'no-store')
      .send(Readable.fromWeb(res.body as WebReadableStream));
  });
}
