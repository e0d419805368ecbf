// Incoming webhooks. Both need the raw body for their signatures, skip CSRF (they are machine-to-machine and
// authenticated by the signature), and answer garbage with a 4xx, never a 500.
import { parse as parseLossless } from 'lossless-json';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { admitNotification } from '../../moves/notification-replays.ts';
import { isValidZone } from '../../moves/weeks.ts';
import { markNotifiedEdits } from '../../sync/notified-edits.ts';
import { validMovesSignature, validOpenHumansSignature } from '../webhook-signatures.ts';

const deauthBody = z.object({
  project_member_id: z.string().regex(/^\d{1,20}$/),
  erasure_requested: z.boolean().default(false),
  timestamp: z.string().optional(),
});

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Parses JSON losslessly: big integers stay as text (the Moves userId exceeds 2^53). */
function parseJson(raw: Buffer): unknown {
  try {
    return parseLossless(raw.toString('utf8'), null, (digits) =>
      /^-?\d+$/.test(digits) ? digits : Number(digits),
    );
  } catch {
    return undefined;
  }
}

const movesNotification = z.object({
  userId: z.string().regex(/^\d{1,30}$/),
  storylineUpdates: z
    .array(z.object({ startTime: z.string().max(40).optional(), endTime: z.string().max(40).optional() }))
    .max(1000)
    .optional(),
});

export async function registerWebhooks(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (_req, body, done) =>
      done(null, body),
    );

    hooks.post('/webhooks/openhumans/deauth', async (request, reply) => {
      const secret = ctx.config.openHumans.webhookSecret;
      if (!secret) return reply.code(403).send({ error: 'webhook secret not configured' });
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (!validOpenHumansSignature(secret, raw, header(request.headers['x-openhumans-webhooks-signature'])))
        return reply.code(401).send({ error: 'bad signature' });
      const parsed = deauthBody.safeParse(parseJson(raw));
      if (!parsed.success) return reply.code(400).send({ error: 'unexpected body' });
      const memberId = await ctx.accounts.findMemberByOhId(parsed.data.project_member_id);
      if (memberId === undefined) return reply.send({ status: 'unknown member' });
      const erasure = parsed.data.erasure_requested;
      const report = await ctx.accounts.forgetMember(memberId);
      // Our record of the member is gone; this line (internal id only) is what remains of the event.
      request.log.info(
        {
          memberId,
          erasure,
          weeksDeleted: report.weeksDeleted,
          openHumansFilesNotDeleted: report.filesLeft.length,
        },
        report.filesLeft.length
          ? 'member left the project on Open Humans: everything here deleted; their files on Open Humans could not be deleted (tokens already revoked: the member removes them there)'
          : 'member left the project on Open Humans: everything here deleted',
      );
      return reply.send({
        status: 'removed',
        erasureRequested: erasure,
        openHumansFilesNotDeleted: report.filesLeft.length,
      });
    });

    hooks.post('/webhooks/moves/notify', async (request, reply) => {
      // Import-only mode (no Moves credentials) has no Moves to hear from: answered as an unknown address.
      if (!ctx.config.moves.enabled) return reply.callNotFound();
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const ok = validMovesSignature(
        ctx.config.moves.clientSecret,
        raw,
        header(request.headers['x-moves-signature']),
        header(request.headers['x-moves-timestamp']),
        header(request.headers['x-moves-nonce']),
      );
      if (!ctx.config.moves.clientSecret || !ok) return reply.code(401).send({ error: 'bad signature' });
      const parsed = movesNotification.safeParse(parseJson(raw));
      if (!parsed.success) return reply.code(400).send({ error: 'unexpected body' });
      // Signed, but possibly captured and sent again: only fresh timestamps, and each signature once.
      const verdict = await admitNotification(
        ctx,
        header(request.headers['x-moves-signature'])!,
        header(request.headers['x-moves-timestamp'])!,
      );
      if (verdict !== 'fresh') {
        request.log.info({ verdict }, 'moves notification refused');
        // Stale: the signature no longer authenticates it. Replayed: it was handled already.
        return verdict === 'stale'
          ? reply.code(401).send({ error: 'timestamp outside the accepted window' })
          : reply.code(409).send({ error: 'already received' });
      }
      const account = await ctx.accounts.movesAccountByUserId(parsed.data.userId);
      // Moves wants a 200 within 3 s; an unknown user is not an error on its side.
      if (!account || account.status !== 'connected') return reply.send({ status: 'ignored' });
      // The weeks it names are fetched again by the sync it queues, however old.
      if (account.timeZone && isValidZone(account.timeZone))
        await markNotifiedEdits(ctx, account.memberId, account.timeZone, parsed.data.storylineUpdates ?? []);
      await ctx.queue.enqueueSync(account.memberId, 'notification');
      return reply.send({ status: 'queued' });
    });
  });
}
