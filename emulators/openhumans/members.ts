// Project-level endpoints: project info, the member list (master token in the query) and remove-members.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from './auth-middleware.ts';
import type { EmulatorContext } from './context.ts';
import { drfView, requestBaseUrl, sendHtml, sendJson, serverErrorHtml } from './drf.ts';
import { fileEntry } from './exchange-member.ts';
import { idList, validateMemberIds } from './form-validation.ts';
import { drfTimestamp } from './ids.ts';
import { paginate } from './pagination.ts';
import { quotePlus } from './python-urlencode.ts';
import { readRequestData } from './request-body.ts';
import { dataTypePath, sourceLabel } from './state.ts';
import { memberLeaves } from './webhook.ts';

async function projectInfo(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const p = principal.project;
  return sendJson(reply, 200, {
    active: true,
    approved: false,
    authorized_members: ctx.state.activeMembers(p.id).length,
    badge_image: null,
    contact_email: 'project@example.invalid',
    id: p.id,
    id_label: sourceLabel(p.id),
    info_url: '',
    is_academic_or_nonprofit: false,
    is_study: false,
    leader: 'Emulated project leader',
    long_description: p.name,
    name: p.name,
    organization: '',
    registered_datatypes: p.registeredDatatypes.map(dataTypePath),
    requested_sources: [],
    request_sources_access: [],
    request_username_access: p.requestUsernameAccess,
    returned_data_description: '',
    short_description: p.name,
    slug: `emulated-project-${p.id}`,
    type: 'oauth2',
  });
}

async function membersList(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply, { user: false, master: true });
  if (!principal || principal.kind !== 'master') return reply;
  const project = principal.project;
  const active = ctx.state.activeMembers(project.id);
  // Faithful quirk: the serializer reads request.GET["access_token"]; header-only auth is a KeyError (500).
  if (!principal.fromQuery && active.length > 0) return sendHtml(reply, 500, serverErrorHtml(500));
  const base = requestBaseUrl(request, ctx.baseUrl());
  const page = paginate(base, request.url, active);
  return sendJson(reply, 200, {
    count: page.count,
    next: page.next,
    previous: page.previous,
    results: page.results.map((m) => {
      const files = ctx.state.visibleFiles(project.id, m.memberId);
      const member = ctx.state.members.get(m.memberId);
      const entry: Record<string, unknown> = {
        created: drfTimestamp(m.created),
        project_member_id: m.memberId,
        file_count: files.length,
        exchange_member: `${base}/api/direct-sharing/project/exchange-member/?project_member_id=${m.memberId}&access_token=${quotePlus(principal.token)}`,
        sources_shared: [],
      };
      if (project.requestUsernameAccess) entry.username = member?.username ?? '';
      entry.data = files.slice(0, 10).map((f) => fileEntry(ctx, base, f));
      return entry;
    }),
  });
}

async function removeMembers(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const principal = authenticate(ctx, request, reply);
  if (!principal) return reply;
  const body = await readRequestData(request);
  if (!body.ok) return sendJson(reply, body.status, body.body);
  let ids: string[];
  if (principal.kind === 'user') ids = [principal.member.projectMemberId];
  else {
    ids = idList(body.data.project_member_ids);
    if (ids.length === 0) {
      return sendJson(reply, 400, {
        errors: { __all__: ['You must provide a list of project member IDs.'] },
      });
    }
    const error = validateMemberIds(ids, (id) => !!ctx.state.activeMembership(principal.project.id, id));
    if (error) return sendJson(reply, 400, { errors: { project_member_ids: [error] } });
  }
  for (const id of ids) await memberLeaves(ctx, principal.project, id, false);
  return sendJson(reply, 200, 'success');
}

export function memberRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  drfView(app, ctx.knownPaths, '/api/direct-sharing/project/', { GET: (q, r) => projectInfo(ctx, q, r) });
  drfView(app, ctx.knownPaths, '/api/direct-sharing/project/members/', {
    GET: (q, r) => membersList(ctx, q, r),
  });
  drfView(app, ctx.knownPaths, '/api/direct-sharing/project/remove-members/', {
    POST: (q, r) => removeMembers(ctx, q, r),
  });
}
