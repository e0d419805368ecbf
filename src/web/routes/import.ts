// Bring your own Moves export: GET /import (guide, form, live status), POST /import (multipart field `archive`
// plus the CSRF field, streamed to a file under DATA_DIR; the member's job does the rest), GET /import/status
// (polled while an import runs) and, in the sandbox, GET /import/sample (a demo user's export from the sandbox's
// `ctx.sampleExports`). The web process never opens the archive: it checks the first bytes only.
import fs from 'node:fs';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  acceptUpload,
  dropUpload,
  latestUpload,
  reserveUpload,
  type ReservedUpload,
} from '../../archive/uploads.ts';
import type { AppContext } from '../../context.ts';
import { sendMessagePage, type MessagePage } from '../errors.ts';
import { describeImport, refusedDaysCsv } from '../import-status.ts';
import { requireMember } from '../session.ts';
import { formatBytes } from '../status-words.ts';
import { receiveUpload, type Received } from '../upload-receiver.ts';
import { renderPage } from '../views.ts';

/** What the multipart envelope may add to the file. */
const ENVELOPE_BYTES = 64 * 1024;
/** Told to a member when the uploads budget is used up. */
const RETRY_AFTER_SECONDS = 300;

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

/** What is wrong with what arrived, if anything: a page to show, or how the answer is already settled. */
async function problemOf(
  received: Received,
  file: string,
): Promise<MessagePage | 'answered' | 'gone' | 'too-large' | null> {
  const again = 'Choose your moves_export.zip on the import page and send it again.';
  const notExport =
    'Choose the moves_export.zip you downloaded from Moves (or the json.zip inside it, or a storyline.json).';
  switch (received.kind) {
    case 'csrf-refused':
      return 'answered';
    case 'stalled':
    case 'aborted':
      return 'gone';
    case 'too-large':
      return 'too-large';
    case 'malformed':
      return {
        status: 400,
        title: 'The upload arrived damaged',
        what: `The form data your browser sent could not be read (${received.detail}).`,
        todo: again,
      };
    case 'no-file':
      return {
        status: 400,
        title: 'No file was sent',
        what: 'The upload did not contain a file in the field "archive".',
        todo: again,
      };
  }
  const name = displayName(received.fileName);
  if (received.bytes === 0)
    return { status: 400, title: 'The file is empty', what: `${name} holds no data.`, todo: notExport };
  if (!looksLikeArchive(await firstBytes(file)))
    return {
      status: 415,
      title: 'That is not a Moves export',
      what: `${name} is neither a zip archive nor a JSON storyline file.`,
      todo: notExport,
    };
  return null;
}

async function importStatus(ctx: AppContext, memberId: number) {
  const [row, file] = await Promise.all([latestUpload(ctx, memberId), ctx.publishing.current(memberId)]);
  return describeImport(row, file?.publishedAt ?? null);
}

/** The XHR upload wants JSON; a plain form post gets a page. */
function refuse(request: FastifyRequest, reply: FastifyReply, page: MessagePage) {
  if (/application\/json/.test(request.headers.accept ?? ''))
    return reply.code(page.status).send({ error: { title: page.title, what: page.what, todo: page.todo } });
  return sendMessagePage(request, reply, {
    actions: [{ href: '/import', label: 'Back to the import page' }],
    ...page,
  });
}

/** Sent with "connection: close": the rest of the body is never read. */
function tooLarge(request: FastifyRequest, reply: FastifyReply, max: number) {
  return refuse(request, reply.header('connection', 'close'), {
    status: 413,
    title: 'That file is too large',
    what: `Uploads are limited to ${formatBytes(max)} here; a Moves export is usually far smaller.`,
    todo: 'Check that you picked moves_export.zip (or the json.zip inside it). If it really is larger, ask the operator to raise IMPORT_MAX_BYTES.',
  });
}

/** No room for this upload: the member's own is still running, or the server's budget is used up. */
function refuseReservation(request: FastifyRequest, reply: FastifyReply, why: 'member-busy' | 'full') {
  // The body is not wanted: closing beats reading it to the end to keep the connection.
  reply.header('connection', 'close');
  if (why === 'member-busy')
    return refuse(request, reply, {
      status: 409,
      title: 'An import is already running',
      what: 'Your previous upload is still arriving or being imported.',
      todo: 'Wait until it has finished (the import page shows its progress), then upload again if you need to.',
    });
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return refuse(request, reply, {
    status: 503,
    title: 'Too many uploads right now',
    what: 'The server is receiving or importing as many exports as it has room for.',
    todo: 'Please try again in a few minutes. Nothing of yours was changed.',
  });
}

/** POST /import: checks the declared size, reserves room, streams the file in, and hands it to the member's job. */
async function receiveImport(
  app: FastifyInstance,
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const member = request.member!;
  const max = ctx.config.importMaxBytes;
  const length = request.headers['content-length'];
  const declared = length === undefined ? null : Number(length);
  // Refused before reading: the multipart envelope adds well under 64 KiB to the file.
  if (declared !== null && declared > max + ENVELOPE_BYTES) return tooLarge(request, reply, max);
  if (!request.isMultipart())
    return refuse(request, reply, {
      status: 400,
      title: 'No file was sent',
      what: 'The upload did not contain a file.',
      todo: 'Choose your moves_export.zip on the import page and send it again.',
    });
  // A body of unknown length may grow to the limit: that much disk is set aside for it.
  const slot = await reserveUpload(ctx, member.id, Math.min(declared ?? max, max));
  if (!('id' in slot)) return refuseReservation(request, reply, slot.why);
  const received = await receiveInto(app, ctx, request, reply, slot);
  const problem = await problemOf(received, slot.path);
  if (problem) {
    await dropUpload(ctx, slot);
    return answerProblem(request, reply, problem, received, max);
  }
  const stored = received as Extract<Received, { kind: 'stored' }>;
  await acceptUpload(ctx, member.id, slot, { fileName: displayName(stored.fileName), bytes: stored.bytes });
  if (/application\/json/.test(request.headers.accept ?? ''))
    return reply.code(202).send({ ok: true, statusUrl: '/import/status' });
  return reply.redirect('/import', 303);
}

/** Streams the body into the reserved file; the reservation is dropped if that throws. */
async function receiveInto(
  app: FastifyInstance,
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  slot: ReservedUpload,
): Promise<Received> {
  try {
    return await receiveUpload(app, request, reply, {
      target: slot.path,
      maxBytes: ctx.config.importMaxBytes,
      stallMs: ctx.config.importStallMs,
    });
  } catch (err) {
    await dropUpload(ctx, slot);
    throw err;
  }
}

/** The answer to an upload that went wrong (its reservation already dropped). */
function answerProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: NonNullable<Awaited<ReturnType<typeof problemOf>>>,
  received: Received,
  max: number,
) {
  if (problem === 'answered') return reply;
  // The connection is gone: nobody reads an answer.
  if (problem === 'gone') return reply.code(408).header('connection', 'close').send();
  if (problem === 'too-large') return tooLarge(request, reply, max);
  // The rest of a damaged body is not worth reading.
  if (received.kind === 'malformed') reply.header('connection', 'close');
  return refuse(request, reply, problem);
}

/** GET /import, its polled status and the CSV of refused days. */
function registerImportPages(app: FastifyInstance, ctx: AppContext): void {
  const max = ctx.config.importMaxBytes;
  app.get('/import', { preHandler: requireMember }, async (request, reply) => {
    const member = request.member!;
    return renderPage(request, reply, 'import', {
      title: 'Import your Moves export',
      status: await importStatus(ctx, member.id),
      maxText: formatBytes(max),
      maxBytes: max,
      sandbox: ctx.sampleExports !== undefined,
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
}

export async function registerImport(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(multipart, {
    // The file's own cut-off is ours (upload-receiver.ts): it stops reading at once, the plugin's reads on.
    limits: { fileSize: ctx.config.importMaxBytes + 1, files: 1, fields: 4, fieldSize: 1024, parts: 6 },
  });
  registerImportPages(app, ctx);
  // The multipart body is streamed by hand (upload-receiver.ts), so this route has no body schema.
  app.post('/import', { preHandler: requireMember }, (request, reply) =>
    receiveImport(app, ctx, request, reply),
  );

  // The sandbox's Moves emulator can export a made-up history: newcomers can try the whole path.
  app.get('/import/sample', { preHandler: requireMember }, async (request, reply) => {
    if (!ctx.sampleExports)
      return sendMessagePage(request, reply, {
        status: 404,
        title: 'Page not found',
        what: 'Sample exports exist only in the sandbox.',
      });
    const body = await ctx.sampleExports.download(new Date(ctx.clock.now()));
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', 'attachment; filename="moves_export.zip"')
      .header('cache-control', 'no-store')
      .send(body);
  });
}
