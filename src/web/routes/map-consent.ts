// The member's answer to "Show a background map?": stored with the member (accounts), then back to the page the
// question was asked on.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { addFlash, requireMember } from '../session.ts';
import { zodChecked, zodRoutes } from '../zod-routes.ts';

// A form that does not say yes or no is a 400 (the app's error page).
const consentBody = z.object({
  show: z.enum(['yes', 'no']),
  back: z.string().max(40).optional(),
  _csrf: z.string().optional(),
});

/** Only our own map pages are places to return to (never an address from elsewhere). */
function backTo(back: string | undefined): string {
  return back && /^\/(dashboard|map|day\/\d{4}-\d{2}-\d{2})$/.test(back) ? back : '/dashboard';
}

export function registerMapConsent(app: FastifyInstance, ctx: AppContext): void {
  zodRoutes(app).post(
    '/map/background',
    { schema: { body: consentBody }, ...zodChecked, preHandler: [app.csrfProtection, requireMember] },
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
