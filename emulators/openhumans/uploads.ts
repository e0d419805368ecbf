// File uploads: the three-step direct upload (upload/direct → PUT to storage → upload/complete) and the
// legacy multipart upload. Validation and error bodies follow OH's upload forms.
import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Principal } from './auth-middleware.ts';
import type { EmulatorContext } from './context.ts';
import { drfView, requestBaseUrl, sendHtml, sendJson, serverErrorHtml } from './drf.ts';
import { REQUIRED, validateDatatypes, validateMetadata } from './form-validation.ts';
import { INVALID_MEMBER, targetMember } from './project-member.ts';
import { readRequestData, type RequestData } from './request-body.ts';
import { sourceLabel } from './state.ts';
import { PUT_URL_LIFETIME_MS } from './storage-endpoint.ts';

const PREFIX = '/api/direct-sharing/project/files';

interface ValidUpload {
  metadata: Record<string, unknown>;
  datatypes: number[];
}

/** UploadDataFileBaseForm: errors as a dict of lists, in field order. */
function validateUploadForm(
  ctx: EmulatorContext,
  principal: Principal,
  data: RequestData,
  extra: Record<string, string | undefined>,
): { ok: true; value: ValidUpload } | { ok: false; errors: Record<string, string[]> } {
  const errors: Record<string, string[]> = {};
  if (
    principal.kind === 'master' &&
    (data.project_member_id === undefined || data.project_member_id === '')
  ) {
    errors.project_member_id = [REQUIRED];
  }
  const metadata = validateMetadata(data.metadata);
  if (!metadata.ok) errors.metadata = [metadata.error];
  const datatypes = validateDatatypes(data.datatypes, {
    byId: (id) => ctx.state.dataTypes.get(id),
    byName: (name) => ctx.state.dataTypeByName(name),
    registered: principal.project.registeredDatatypes,
    autoAdd: principal.project.autoAddDatatypes,
  });
  if (!datatypes.ok) errors.datatypes = [datatypes.error];
  for (const [field, error] of Object.entries(extra)) if (error) errors[field] = [error];
  if (Object.keys(errors).length > 0 || !metadata.ok || !datatypes.ok) return { ok: false, errors };
  return { ok: true, value: { metadata: metadata.value, datatypes: datatypes.value } };
}

function cleanFilename(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const base = raw.split(/[/\\]/).pop()?.trim() ?? '';
  return base === '' || base === '.' || base === '..' ? undefined : base;
}

function storageKey(projectId: number, filename: string): string {
  return `member-files/${sourceLabel(projectId)}/${randomUUID()}/${filename}`;
}

async function uploadDirect(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const body = await readRequestData(request);
  if (!body.ok) return sendJson(reply, body.status, body.body);
  const filename = cleanFilename(body.data.filename);
  const form = validateUploadForm(ctx, principal, body.data, { filename: filename ? undefined : REQUIRED });
  if (!form.ok) return sendJson(reply, 400, form.errors);
  const member = targetMember(ctx, principal, body.data.project_member_id);
  if (!member || !filename) return sendJson(reply, 400, INVALID_MEMBER);
  const file = ctx.state.addFile({
    projectId: principal.project.id,
    memberId: member.projectMemberId,
    basename: filename,
    storageKey: storageKey(principal.project.id, filename),
    metadata: form.value.metadata,
    datatypes: form.value.datatypes,
    completed: false,
  });
  const expiresAt = ctx.state.clock.now() + ctx.state.clock.scaled(PUT_URL_LIFETIME_MS);
  const url = ctx.signer.presign(requestBaseUrl(request, ctx.baseUrl()), 'PUT', file.storageKey, expiresAt);
  return sendJson(reply, 201, { id: file.id, url });
}

async function uploadComplete(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const body = await readRequestData(request);
  if (!body.ok) return sendJson(reply, body.status, body.body);
  if (
    principal.kind === 'master' &&
    (body.data.project_member_id === undefined || body.data.project_member_id === '')
  ) {
    return sendJson(reply, 400, { project_member_id: [REQUIRED] });
  }
  const member = targetMember(ctx, principal, body.data.project_member_id);
  if (!member) return sendJson(reply, 400, INVALID_MEMBER);
  const rawId = body.data.file_id;
  if (rawId === undefined || rawId === null || rawId === '' || rawId === 0) {
    return sendJson(reply, 400, { detail: 'file does not exist' });
  }
  const fault = ctx.faults.takeCompleteFailure();
  if (fault) return sendHtml(reply, fault, serverErrorHtml(fault));
  // Deliberate fix of the real 500: unknown, malformed or foreign ids are a 404.
  const id =
    typeof rawId === 'number'
      ? rawId
      : typeof rawId === 'string' && /^\d{1,15}$/.test(rawId.trim())
        ? Number(rawId)
        : NaN;
  const file = ctx.state.files.get(id);
  if (!file || file.projectId !== principal.project.id || file.memberId !== member.projectMemberId) {
    return sendJson(reply, 404, { detail: 'Not found.' });
  }
  const stored = ctx.storage.get(file.storageKey);
  if (!stored) return sendJson(reply, 400, { detail: 'file not present' });
  file.completed = true;
  return sendJson(reply, 200, { status: 'ok', size: stored.size });
}

async function uploadLegacy(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  let received: { key: string; filename: string } | undefined;
  const body = await readRequestData(request, async (field, filename, stream: Readable) => {
    if (field !== 'data_file' || received) return;
    const name = cleanFilename(filename) ?? 'data_file';
    const key = storageKey(principal.project.id, name);
    const counted = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        ctx.stats.bytesUploaded += chunk.length;
        cb(null, chunk);
      },
    });
    await ctx.storage.put(key, stream.pipe(counted));
    received = { key, filename: name };
  });
  const discard = async () => {
    if (received) await ctx.storage.delete(received.key);
  };
  if (!body.ok) {
    await discard();
    return sendJson(reply, body.status, body.body);
  }
  const form = validateUploadForm(ctx, principal, body.data, {
    data_file: received ? undefined : 'No file was submitted.',
  });
  if (!form.ok || !received) {
    await discard();
    return sendJson(reply, 400, form.ok ? { data_file: ['No file was submitted.'] } : form.errors);
  }
  const member = targetMember(ctx, principal, body.data.project_member_id);
  if (!member) {
    await discard();
    return sendJson(reply, 400, INVALID_MEMBER);
  }
  const file = ctx.state.addFile({
    projectId: principal.project.id,
    memberId: member.projectMemberId,
    basename: received.filename,
    storageKey: received.key,
    metadata: form.value.metadata,
    datatypes: form.value.datatypes,
    completed: true,
  });
  return sendJson(reply, 201, { id: file.id });
}

export function uploadRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  drfView(app, ctx.knownPaths, `${PREFIX}/upload/direct/`, { POST: (q, r) => uploadDirect(ctx, q, r) });
  drfView(app, ctx.knownPaths, `${PREFIX}/upload/complete/`, { POST: (q, r) => uploadComplete(ctx, q, r) });
  drfView(app, ctx.knownPaths, `${PREFIX}/upload/`, { POST: (q, r) => uploadLegacy(ctx, q, r) });
}
