// The JSON control API under /_control/ (architecture §6): projects, members, authorization without a
// browser, member leave (fires the webhook), stored files, stats, clock and faults.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { faultConfigSchema } from './faults.ts';
import { drfTimestamp } from './ids.ts';
import { approveAuthorization } from './oauth-provider.ts';
import { memberLeaves } from './webhook.ts';

const projectSchema = z.object({
  client_id: z.string().min(1).max(200),
  client_secret: z.string().min(1).max(500),
  redirect_uri: z.string().min(1).max(2000),
  webhook_url: z.string().max(2000).optional(),
  webhook_secret: z.string().max(500).optional(),
  name: z.string().max(200).optional(),
  request_username_access: z.boolean().optional(),
  id: z.number().int().positive().max(2_147_483_647).optional(),
  registered_datatypes: z.array(z.union([z.number().int(), z.string().min(1)])).optional(),
  auto_add_datatypes: z.boolean().optional(),
});
const memberSchema = z
  .object({
    username: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,30}$/)
      .optional(),
  })
  .default({});
const authorizeSchema = z.object({
  client_id: z.string().min(1),
  state: z.string().optional(),
  code_challenge: z.string().min(1).optional(),
  code_challenge_method: z.enum(['S256', 'plain']).optional(),
  redirect_uri: z.string().optional(),
});
const leaveSchema = z
  .object({ erasure_requested: z.boolean().default(false), client_id: z.string().optional() })
  .default({
    erasure_requested: false,
  });
const configSchema = faultConfigSchema
  .extend({
    timeScale: z.number().positive().max(1_000_000).optional(),
    clockOffsetMs: z.number().int().optional(),
    faults: faultConfigSchema.optional(),
    resetFaults: z.boolean().optional(),
  })
  .strict();

function bad(reply: FastifyReply, error: z.ZodError | string) {
  const message = typeof error === 'string' ? error : z.prettifyError(error);
  return reply.code(400).send({ error: message });
}

export async function controlRoutes(app: FastifyInstance, ctx: EmulatorContext): Promise<void> {
  const { state } = ctx;

  app.post('/_control/projects', async (request, reply) => {
    const parsed = projectSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, parsed.error);
    try {
      const p = state.createProject(parsed.data);
      return reply.send({ master_token: p.masterToken, id: p.id });
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });

  app.get('/_control/projects', async () =>
    [...state.projects.values()].map((p) => ({
      id: p.id,
      client_id: p.clientId,
      name: p.name,
      redirect_uri: p.redirectUri,
      webhook_url: p.webhookUrl ?? null,
      registered_datatypes: p.registeredDatatypes,
      auto_add_datatypes: p.autoAddDatatypes,
    })),
  );

  app.post('/_control/members', async (request, reply) => {
    const parsed = memberSchema.safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { username } = parsed.data;
    const existing = username ? state.memberByUsername(username) : undefined;
    if (existing)
      return reply.code(409).send({ error: 'username taken', project_member_id: existing.projectMemberId });
    const m = state.createMember(username);
    return reply.send({ project_member_id: m.projectMemberId, username: m.username });
  });

  registerMemberActions(app, ctx);

  app.get('/_control/stats', async () => ctx.stats.toJSON());
  app.get('/_control/messages', async () => state.messages);
  app.get('/_control/webhooks', async () => state.webhookDeliveries);

  const currentConfig = () => ({
    timeScale: state.clock.timeScale,
    clockOffsetMs: state.clock.offsetMs,
    faults: ctx.faults.toJSON(),
  });
  app.get('/_control/config', async () => currentConfig());
  app.post('/_control/config', async (request, reply) => {
    const parsed = configSchema.safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const { timeScale, clockOffsetMs, faults, resetFaults, ...topLevelFaults } = parsed.data;
    if (timeScale !== undefined) state.clock.timeScale = timeScale;
    if (clockOffsetMs !== undefined) state.clock.offsetMs = clockOffsetMs;
    if (resetFaults) ctx.faults.reset();
    ctx.faults.apply({ ...topLevelFaults, ...faults }, state.clock.now());
    return reply.send(currentConfig());
  });
}

/** What a member does on Open Humans: /_control/members/:id/<action>. */
function registerMemberActions(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx;

  app.post('/_control/members/:id/authorize', async (request, reply) => {
    const member = state.members.get((request.params as { id: string }).id);
    if (!member) return reply.code(404).send({ error: 'unknown member' });
    const parsed = authorizeSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, parsed.error);
    const project = state.projectByClientId(parsed.data.client_id);
    if (!project) return reply.code(404).send({ error: 'unknown client_id' });
    if (parsed.data.redirect_uri !== undefined && parsed.data.redirect_uri !== project.redirectUri) {
      return bad(reply, 'Mismatching redirect URI.');
    }
    return reply.send(
      approveAuthorization(ctx, project, member, {
        state: parsed.data.state,
        codeChallenge: parsed.data.code_challenge,
        codeChallengeMethod: parsed.data.code_challenge
          ? (parsed.data.code_challenge_method ?? 'S256')
          : undefined,
      }),
    );
  });

  app.post('/_control/members/:id/leave', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    if (!state.members.has(id)) return reply.code(404).send({ error: 'unknown member' });
    const parsed = leaveSchema.safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, parsed.error);
    const projects = [...state.projects.values()].filter(
      (p) =>
        (!parsed.data.client_id || p.clientId === parsed.data.client_id) && state.activeMembership(p.id, id),
    );
    const left = [];
    for (const p of projects) {
      const delivery = await memberLeaves(ctx, p, id, parsed.data.erasure_requested);
      left.push({ project_id: p.id, webhook: delivery ?? null });
    }
    return reply.send({ left });
  });

  app.get('/_control/members/:id/files', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    if (!state.members.has(id)) return reply.code(404).send({ error: 'unknown member' });
    return [...state.files.values()]
      .filter((f) => f.memberId === id)
      .sort((a, b) => a.id - b.id)
      .map((f) => {
        const stored = ctx.storage.get(f.storageKey);
        return {
          id: f.id,
          project_id: f.projectId,
          basename: f.basename,
          created: drfTimestamp(f.created),
          metadata: f.metadata,
          incomplete: !f.completed,
          stored: stored !== undefined,
          size: stored?.size ?? null,
          md5: stored?.md5 ?? null,
        };
      });
  });
}
