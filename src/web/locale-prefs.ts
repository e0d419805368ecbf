// The units and locale a signed-in member's pages use: their stored choices and Moves localization (accounts),
// resolved with the browser's Accept-Language (src/storyline/units.ts).
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { resolvePrefs, type LocalePrefs, type PrefSource } from '../storyline/units.ts';

export async function memberLocale(
  ctx: AppContext,
  request: FastifyRequest,
  memberId: number,
): Promise<{ prefs: LocalePrefs; sources: Record<keyof LocalePrefs, PrefSource> }> {
  const stored = await ctx.accounts.preferences(memberId);
  return resolvePrefs(stored.chosen, stored.movesLocalization, request.headers['accept-language']);
}
