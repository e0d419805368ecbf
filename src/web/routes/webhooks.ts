// Incoming webhooks. Both need the raw body for their signatures, skip CSRF (they are machine-to-machine and
// authenticated by the signature), and answer garbage with a 4xx, never a 500.
import { parse as parseLossless } from 'lossless-json';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { receiveMovesNotification } from '../../sync/moves-notifications.ts';
import { validOpenHumansSignature, verifiedMovesSignature } from '../webhook-signatures.ts';

/** Python's isoformat (`2020-06-30T20:00:00.000000+00:00`), as Open Humans sends it: when the member left. */
const pythonIsoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/)
  .transform((s) => new Date(s.replace(/(\.\d{3})\d+/, '$1')))
  .refine((d) => !Number.isNaN(d.getTime()));

const deauthBody = z.object({
  project_member_id: z.string().regex(/^\d{1,20}$/),
  erasure_requested: z.boolean().default(false),
  // Required: without it a deauthorization cannot be told from a replay of an earlier one.
  timestamp: pythonIsoTime,
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
      const { project_member_id: ohMemberId, erasure_requested: erasure, timestamp } = parsed.data;
      const outcome = await ctx.accounts.deauthorize(ohMemberId, timestamp);
      if (outcome.status === 'unknown member') return reply.send({ status: 'unknown member' });
      if (outcome.status === 'stale') {
        request.log.info(
          { memberId: outcome.memberId },
          'deauthorization ignored: it predates the member authorizing the project again',
        );
        return reply.send({
          status: 'ignored',
          reason: 'stale: the member authorized the project again after this deauthorization',
        });
      }
      const { memberId, report } = outcome;
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
      const timestamp = header(request.headers['x-moves-timestamp']);
      // A signature spelled any other way than canonical base64 is refused, even when it decodes to the HMAC.
      const signedDigest = verifiedMovesSignature(
        ctx.config.moves.clientSecret,
        raw,
        header(request.headers['x-moves-signature']),
        timestamp,
        header(request.headers['x-moves-nonce']),
      );
      if (!signedDigest || timestamp === undefined) return reply.code(401).send({ error: 'bad signature' });
      const parsed = movesNotification.safeParse(parseJson(raw));
      if (!parsed.success) return reply.code(400).send({ error: 'unexpected body' });
      // Signed, but possibly captured and sent again: only fresh timestamps, and each signed message once.
      const outcome = await receiveMovesNotification(ctx, {
        signedDigest,
        timestamp,
        userId: parsed.data.userId,
        storylineUpdates: parsed.data.storylineUpdates ?? [],
      });
      if (outcome === 'stale' || outcome === 'replayed')
        request.log.info({ outcome }, 'moves notification refused');
      // Stale: the signature no longer authenticates it. Replayed: it was handled already.
      if (outcome === 'stale')
        return reply.code(401).send({ error: 'timestamp outside the accepted window' });
      if (outcome === 'replayed') return reply.code(409).send({ error: 'already received' });
      // Moves wants a 200 within 3 s; an unknown user is not an error on its side.
      return reply.send({ status: outcome });
    });
  });
}
