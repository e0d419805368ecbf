// GET /api/direct-sharing/project/exchange-member/: the member's data with DRF limit/offset pagination.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth-middleware.ts';
import type { EmulatorContext } from './context.ts';
import { downloadUrl } from './downloads.ts';
import { drfView, requestBaseUrl, sendJson, serverErrorHtml, sendHtml } from './drf.ts';
import { drfTimestamp } from './ids.ts';
import { paginate } from './pagination.ts';
import { INVALID_MEMBER } from './project-member.ts';
import { dataTypePath, sourceLabel, type DataFile } from './state.ts';

export function fileEntry(ctx: EmulatorContext, base: string, f: DataFile): Record<string, unknown> {
  return {
    id: f.id,
    basename: f.basename,
    created: drfTimestamp(f.created),
    datatypes: f.datatypes.map((id) => `${base}${dataTypePath(id)}`),
    download_url: downloadUrl(base, ctx, f.id),
    metadata: f.metadata,
    source: sourceLabel(f.projectId),
    source_project: `${base}/api/public/project/${f.projectId}/`,
  };
}

async function exchangeMember(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const query = request.query as Record<string, unknown>;
  let memberId: string;
  if (principal.kind === 'user') memberId = principal.member.projectMemberId;
  else {
    const sent = query.project_member_id;
    // Faithful quirk: the real view hits an unbound variable without project_member_id (a 500).
    if (sent === undefined) return sendHtml(reply, 500, serverErrorHtml(500));
    // The master-token lookup does not require the member to be active.
    if (typeof sent !== 'string' || !ctx.state.membership(principal.project.id, sent)) {
      return sendJson(reply, 400, INVALID_MEMBER);
    }
    memberId = sent;
  }
  const membership = ctx.state.membership(principal.project.id, memberId);
  const member = ctx.state.members.get(memberId);
  if (!membership || !member) return sendJson(reply, 400, INVALID_MEMBER);
  const base = requestBaseUrl(request, ctx.baseUrl());
  const page = paginate(base, request.url, ctx.state.visibleFiles(principal.project.id, memberId));
  const body: Record<string, unknown> = {
    count: page.count,
    next: page.next,
    previous: page.previous,
    created: drfTimestamp(membership.created),
    project_member_id: memberId,
    sources_shared: [],
  };
  if (principal.project.requestUsernameAccess) body.username = member.username;
  body.data = page.results.map((f) => fileEntry(ctx, base, f));
  return sendJson(reply, 200, body);
}

export function exchangeMemberRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  drfView(app, ctx.knownPaths, '/api/direct-sharing/project/exchange-member/', {
    GET: (req, rep) => exchangeMember(ctx, req, rep),
  });
}
