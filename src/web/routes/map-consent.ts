// The member's answer to "Show a background map?": stored with the member (accounts), then back to the page the
// question was asked on.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { addFlash, requireMember } from '../session.ts';

interface ConsentBody {
  show: 'yes' | 'no';
  back?: string;
}
const consentBody = {
  type: 'object',
  properties: {
    show: { type: 'string', enum: ['yes', 'no'] },
    back: { type: 'string', maxLength: 40 },
    _csrf: { type: 'string' },
  },
  required: ['show'],
} as const;

/** Only our own map pages are places to return to (never an address from elsewhere). */
function backTo(back: string | undefined): string {
  return back && /^\/(dashboard|map|day\/\d{4}-\d{2}-\d{2})$/.test(back) ? back : '/dashboard';
}

export function registerMapConsent(app: FastifyInstance, ctx: AppContext): void {
  app.post<{ Body: ConsentBody }>(
    '/map/background',
    { schema: { body: consentBody }, preHandler: [app.csrfProtection, requireMember] },
    async (request, reply) => {
      const on = request.body.show === 'yes';
      await ctx.accounts.setMapTilesConsent(request.member!.id, on);
      addFlash(
        request,
        'info',
        on
          ? 'The background map is on. You can turn it off below the map at any time.'
          : 'The background map is off: the map no longer loads anything from the tile server.',
      );
      return reply.redirect(backTo(request.body.back) + '#map-title', 303);
    },
  );
}
