// Token authentication of the project API: OH's middleware copies ?access_token= into the Authorization
// header (overriding it), then the master-token and OAuth2 authentication classes run. The 401 bodies
// are the reference's §11 table.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendJson } from './drf.ts';
import type { Member, Project } from './state.ts';
import type { EmulatorContext } from './context.ts';

export type Principal =
  | { kind: 'user'; project: Project; member: Member; token: string; fromQuery: boolean }
  | { kind: 'master'; project: Project; token: string; fromQuery: boolean };

type Failure = { detail: string };

const NO_CREDENTIALS = 'Authentication credentials were not provided.';

function bearerFrom(request: FastifyRequest): { header: string | undefined; fromQuery: boolean } {
  const query = request.query as Record<string, unknown> | undefined;
  const q = query?.access_token;
  if (q !== undefined) {
    const token = Array.isArray(q) ? String(q[q.length - 1]) : String(q);
    return { header: `Bearer ${token}`, fromQuery: true };
  }
  const h = request.headers.authorization;
  return { header: typeof h === 'string' ? h : undefined, fromQuery: false };
}

export function resolvePrincipal(
  ctx: EmulatorContext,
  request: FastifyRequest,
  accept: { user: boolean; master: boolean },
): Principal | Failure {
  const { header, fromQuery } = bearerFrom(request);
  if (!header) return { detail: NO_CREDENTIALS };
  const words = header.split(' ');
  if (words[0]?.toLowerCase() !== 'bearer') return { detail: NO_CREDENTIALS };
  if (words.length === 1 || (words.length === 2 && words[1] === '')) {
    return { detail: 'Invalid token header. No credentials provided.' };
  }
  if (words.length > 2) return { detail: 'Invalid token header. Token string should not contain spaces.' };
  const token = words[1] ?? '';
  const now = ctx.state.clock.now();

  const project = ctx.state.projectByMasterToken(token);
  if (project && accept.master) {
    if (project.masterTokenExpiresAt <= now) return { detail: 'Expired token.' };
    return { kind: 'master', project, token, fromQuery };
  }
  const access = ctx.state.tokens.findAccess(token);
  if (access && accept.user) {
    if (access.expiresAt <= now) return { detail: 'Expired token.' };
    const p = ctx.state.projects.get(access.projectId);
    const member = ctx.state.members.get(access.memberId);
    if (!p || !member) return { detail: 'Invalid token.' };
    return { kind: 'user', project: p, member, token, fromQuery };
  }
  return { detail: 'Invalid token.' };
}

/** Authenticates or answers the 401 itself (then returns undefined). */
export function authenticate(
  ctx: EmulatorContext,
  request: FastifyRequest,
  reply: FastifyReply,
  accept: { user: boolean; master: boolean } = { user: true, master: true },
): Principal | undefined {
  const result = resolvePrincipal(ctx, request, accept);
  if ('kind' in result) return result;
  reply.header('WWW-Authenticate', 'Bearer realm="api"');
  sendJson(reply, 401, result);
  return undefined;
}
