// POST /api/direct-sharing/project/message/: messages are recorded (GET /_control/messages), not emailed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth-middleware.ts';
import type { EmulatorContext } from './context.ts';
import { drfView, sendJson } from './drf.ts';
import { booleanField, idList, REQUIRED, validateMemberIds } from './form-validation.ts';
import { readRequestData } from './request-body.ts';

async function message(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const body = await readRequestData(request);
  if (!body.ok) return sendJson(reply, body.status, body.body);
  const d = body.data;
  const errors: Record<string, string[]> = {};
  const text = typeof d.message === 'string' ? d.message : '';
  if (text.trim() === '') errors.message = [REQUIRED];
  const subject = typeof d.subject === 'string' ? d.subject : '';
  let ids: string[];
  if (principal.kind === 'user') {
    ids = [principal.member.projectMemberId];
  } else {
    const allMembers = booleanField(d.all_members);
    const listed = idList(d.project_member_ids);
    const idError = validateMemberIds(listed, (id) => !!ctx.state.activeMembership(principal.project.id, id));
    if (idError) errors.project_member_ids = [idError];
    else if (allMembers && listed.length > 0) {
      errors.__all__ = ['You must specify either all members or provide a list of IDs but not both.'];
    } else if (!allMembers && listed.length === 0) {
      errors.__all__ = ['You must specify either all members or provide a list of IDs.'];
    }
    ids = allMembers ? ctx.state.activeMembers(principal.project.id).map((m) => m.memberId) : listed;
  }
  if (Object.keys(errors).length > 0) return sendJson(reply, 400, { errors });
  ctx.state.messages.push({
    projectId: principal.project.id,
    projectMemberIds: ids,
    subject,
    message: text,
    at: ctx.state.clock.now(),
  });
  return sendJson(reply, 200, 'success');
}

export function messageRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  drfView(app, ctx.knownPaths, '/api/direct-sharing/project/message/', {
    POST: (q, r) => message(ctx, q, r),
  });
}
