// The JSON control API under /_control/ (architecture §6): what tests, the sandbox and benchmarks drive.
import { nameOverridesSchema, resolveNameOverrides } from './name-overrides.ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { configPatchSchema, type ConfigPatch } from './config.ts';
import type { EmulatorContext } from './context.ts';
import { formatDate, ordinalAt, parseDate } from './dates.ts';
import { StorylineSource } from './generator.ts';
import { exportArchive } from './export-archive.ts';
import { deliverNotification, notificationBody, type StorylineUpdate } from './notifications.ts';
import { issueCode, newGrant } from './oauth-tokens.ts';
import { checkAuthorization } from './oauth-routes.ts';
import { appendQuery, type EmulatedUser } from './store.ts';
import { formatMovesTime, formatMovesUtc } from './time-format.ts';

const clientSchema = z
  .object({
    client_id: z.string().min(1).max(200),
    client_secret: z.string().min(1).max(500),
    redirect_uris: z.array(z.url()).min(1).max(3),
    notification_url: z.url().optional(),
    name: z.string().min(1).max(100).optional(),
  })
  .strict();

const userSchema = z
  .object({
    firstDate: z.string().max(10),
    timeZone: z.string().min(1).max(100),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 53)
      .optional(),
    userId: z.union([z.string().regex(/^\d{1,19}$/), z.number().int().positive()]).optional(),
  })
  .strict();

const authorizeSchema = z.object({
  client_id: z.string(),
  scope: z.string(),
  redirect_uri: z.string().optional(),
  state: z.string().optional(),
});

function bad(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).send({ error });
}

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

export function applyConfig(ctx: EmulatorContext, patch: ConfigPatch): void {
  const { behaviour, ...rest } = patch;
  Object.assign(ctx.config, rest);
  if (behaviour) Object.assign(ctx.config.behaviour, behaviour);
}

/** Edits a past day, then notifies every client the user authorised (fire and forget). */
export function editDay(
  ctx: EmulatorContext,
  user: EmulatedUser,
  date: number,
): { lastUpdate: string; notified: string[] } {
  const now = ctx.clock.now();
  const key = formatDate(date);
  const prev = user.edits.get(key);
  user.edits.set(key, { count: (prev?.count ?? 0) + 1, at: now });
  const day = new StorylineSource(user, ctx.config.behaviour).day(date, {
    zone: user.timeZone,
    now,
    trackPoints: false,
  });
  const segs = day.segments ?? [];
  const first = segs[0];
  const last = segs[segs.length - 1];
  const updates: StorylineUpdate[] =
    first && last
      ? [
          {
            reason: 'DataUpload',
            startTime: formatMovesUtc(first.start),
            endTime: formatMovesTime(last.end, user.timeZone),
            lastSegmentType: last.type,
            lastSegmentStartTime: formatMovesUtc(last.start),
          },
        ]
      : [];
  const body = notificationBody(user.userId, updates);
  const notified: string[] = [];
  for (const client of ctx.store.clients.values()) {
    if (!client.notification_url || !ctx.store.hasActiveGrant(user.userId, client.client_id)) continue;
    notified.push(client.client_id);
    void deliverNotification(client.notification_url, client.client_secret, body, now, ctx.logger);
  }
  return { lastUpdate: formatMovesUtc(now), notified };
}

export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/_control/clients', async (request, reply) => {
    const parsed = clientSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, 400, zodMessage(parsed.error));
    ctx.store.registerClient(parsed.data);
    return reply.code(201).send({ client_id: parsed.data.client_id });
  });

  app.get('/_control/users', async () =>
    [...ctx.store.users.values()].map((u) => ({
      userId: u.userId,
      firstDate: u.firstDate,
      timeZone: u.timeZone,
      seed: u.seed,
    })),
  );

  app.post('/_control/users', async (request, reply) => {
    const parsed = userSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, 400, zodMessage(parsed.error));
    try {
      const u = ctx.store.createUser(parsed.data);
      return reply
        .code(201)
        .send({ userId: u.userId, firstDate: u.firstDate, timeZone: u.timeZone, seed: u.seed });
    } catch (err) {
      return bad(reply, 400, (err as Error).message);
    }
  });

  registerUserActions(app, ctx);

  app.get('/_control/stats', async () => ctx.stats.snapshot());

  app.post('/_control/reset-stats', async () => {
    ctx.stats.reset();
    return { ok: true };
  });

  app.post('/_control/config', async (request, reply) => {
    const parsed = configPatchSchema.safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, 400, zodMessage(parsed.error));
    applyConfig(ctx, parsed.data);
    return ctx.config;
  });
}

/** What the user does in the phone app or on the Moves website: /_control/users/:userId/<action>. */
function registerUserActions(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/_control/users/:userId/authorize', async (request, reply) => {
    const { userId } = request.params as { userId: string };
    if (!ctx.store.users.has(userId)) return bad(reply, 404, 'unknown user');
    const parsed = authorizeSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, 400, zodMessage(parsed.error));
    const check = checkAuthorization(ctx, parsed.data);
    if (!check.ok) return bad(reply, 400, 'htmlError' in check ? check.htmlError : check.redirectError);
    const code = issueCode(ctx, newGrant(ctx, check.clientId, userId, check.scope), check.given);
    return { code, redirect: appendQuery(check.target, { code, state: parsed.data.state }) };
  });

  app.post('/_control/users/:userId/revoke', async (request, reply) => {
    const { userId } = request.params as { userId: string };
    if (!ctx.store.users.has(userId)) return bad(reply, 404, 'unknown user');
    const body = z.object({ client_id: z.string().optional() }).safeParse(request.body ?? {});
    return { revoked: ctx.store.revoke(userId, body.success ? body.data.client_id : undefined) };
  });

  app.post('/_control/users/:userId/edit', async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const user = ctx.store.users.get(userId);
    if (!user) return bad(reply, 404, 'unknown user');
    const parsed = z.object({ date: z.string() }).safeParse(request.body);
    if (!parsed.success) return bad(reply, 400, zodMessage(parsed.error));
    const date = parseDate(parsed.data.date);
    if (date === null) return bad(reply, 400, 'date must be yyyyMMdd or yyyy-MM-dd');
    const first = parseDate(user.firstDate)!;
    if (date < first || date > ordinalAt(ctx.clock.now(), user.timeZone))
      return bad(reply, 400, 'date must be between firstDate and today');
    return { date: formatDate(date), ...editDay(ctx, user, date) };
  });

  app.post('/_control/users/:userId/names', async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const user = ctx.store.users.get(userId);
    if (!user) return bad(reply, 404, 'unknown user');
    const parsed = nameOverridesSchema.safeParse(request.body ?? {});
    if (!parsed.success) return bad(reply, 400, zodMessage(parsed.error));
    const names = resolveNameOverrides(parsed.data);
    if (names) user.names = names;
    else delete user.names;
    return {
      placeNameLength: names?.placeName?.length ?? null,
      activityLength: names?.activity?.length ?? null,
    };
  });

  // The user's Moves export archive (reference §7), as it was downloaded from the Moves account page.
  app.get('/_control/users/:userId/export', async (request, reply) => {
    const { userId } = request.params as { userId: string };
    const user = ctx.store.users.get(userId);
    if (!user) return bad(reply, 404, 'unknown user');
    const { format } = request.query as { format?: string };
    if (format !== 'zip') return bad(reply, 400, 'format must be zip');
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', 'attachment; filename="moves_export.zip"')
      .send(exportArchive(ctx, user));
  });
}
