// Which member a project API call acts on: a user token implies its member (any project_member_id sent is
// replaced); the master token needs a project_member_id of an active member of the project.
import type { Principal } from './auth-middleware.ts';
import type { EmulatorContext } from './context.ts';
import type { Member } from './state.ts';

export const INVALID_MEMBER = { project_member_id: 'project_member_id is invalid' };

export function targetMember(ctx: EmulatorContext, principal: Principal, sent: unknown): Member | undefined {
  const id =
    principal.kind === 'user'
      ? principal.member.projectMemberId
      : typeof sent === 'string'
        ? sent
        : undefined;
  if (!id || !ctx.state.activeMembership(principal.project.id, id)) return undefined;
  return ctx.state.members.get(id);
}
