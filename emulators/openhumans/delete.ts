// POST /api/direct-sharing/project/files/delete/: exactly one of file_id, file_basename, all_files; only
// completed files this project uploaded for the member are touched.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth-middleware.ts';
import type { EmulatorContext } from './context.ts';
import { drfView, sendJson } from './drf.ts';
import { booleanField, integerField, REQUIRED } from './form-validation.ts';
import { INVALID_MEMBER, targetMember } from './project-member.ts';
import { readRequestData } from './request-body.ts';

const ONE_OF = 'one of file_id, file_basename, or all_files is required';

async function deleteFiles(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const body = await readRequestData(request);
  if (!body.ok) return sendJson(reply, body.status, body.body);
  const d = body.data;
  if (principal.kind === 'master' && (d.project_member_id === undefined || d.project_member_id === '')) {
    return sendJson(reply, 400, { project_member_id: [REQUIRED] });
  }
  const fileId = integerField(d.file_id);
  if (fileId && !fileId.ok) return sendJson(reply, 400, { file_id: [fileId.error] });
  const basename =
    typeof d.file_basename === 'string' && d.file_basename !== '' ? d.file_basename : undefined;
  const allFiles = booleanField(d.all_files);
  const given = [fileId !== undefined, basename !== undefined, allFiles].filter(Boolean).length;
  if (given === 0) return sendJson(reply, 400, { missing_field: ONE_OF });
  if (given > 1) return sendJson(reply, 400, { too_many: ONE_OF });
  const member = targetMember(ctx, principal, d.project_member_id);
  if (!member) return sendJson(reply, 400, INVALID_MEMBER);
  const candidates = ctx.state.visibleFiles(principal.project.id, member.projectMemberId);
  const doomed = candidates.filter((f) =>
    fileId?.ok ? f.id === fileId.value : basename !== undefined ? f.basename === basename : true,
  );
  for (const f of doomed) {
    ctx.state.files.delete(f.id);
    await ctx.storage.delete(f.storageKey);
  }
  return sendJson(reply, 200, { ids: doomed.map((f) => f.id) });
}

export function deleteRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  drfView(app, ctx.knownPaths, '/api/direct-sharing/project/files/delete/', {
    POST: (q, r) => deleteFiles(ctx, q, r),
  });
}
