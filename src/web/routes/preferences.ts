// Units and locale: GET /preferences shows each setting (metric or imperial, first day of the week, clock
// format) with where its automatic value comes from; POST stores the member's choices (accounts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import {
  CLOCK_LABELS,
  resolvePrefs,
  UNIT_LABELS,
  WEEK_START_LABELS,
  type ChosenPrefs,
  type ClockFormat,
  type PrefSource,
  type UnitSystem,
  type WeekStart,
} from '../../storyline/units.ts';
import { sendMessagePage } from '../errors.ts';
import { addFlash, requireMember } from '../session.ts';
import { renderPage } from '../views.ts';
import { zodRoutes, zodValidated } from '../zod-routes.ts';

const preferencesBody = z.object({
  units: z.enum(['auto', 'metric', 'imperial']),
  weekStart: z.enum(['auto', '1', '6', '7']),
  clock: z.enum(['auto', '24h', '12h']),
  _csrf: z.string().optional(),
});

const SOURCE_WORDS: Record<PrefSource, string> = {
  chosen: 'your choice',
  moves: 'your Moves profile',
  browser: "your browser's language",
  default: 'the default',
};

interface Setting {
  name: 'units' | 'weekStart' | 'clock';
  legend: string;
  chosen: string;
  automatic: string;
  options: { value: string; label: string }[];
}

const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, label }));

export function registerPreferences(app: FastifyInstance, ctx: AppContext): void {
  app.get('/preferences', { preHandler: requireMember }, async (request, reply) => {
    const { chosen, movesLocalization } = await ctx.accounts.preferences(request.member!.id);
    // What "Automatic" would give for each setting, whatever the member chose instead.
    const { prefs, sources } = resolvePrefs(
      { units: null, weekStart: null, clock: null },
      movesLocalization,
      request.headers['accept-language'],
    );
    const auto = (label: string, source: PrefSource) =>
      `Automatic: now ${label}, from ${SOURCE_WORDS[source]}`;
    const settings: Setting[] = [
      {
        name: 'units',
        legend: 'Distances',
        chosen: chosen.units ?? 'auto',
        automatic: auto(UNIT_LABELS[prefs.units], sources.units),
        options: options(UNIT_LABELS),
      },
      {
        name: 'weekStart',
        legend: 'First day of the week',
        chosen: chosen.weekStart === null ? 'auto' : String(chosen.weekStart),
        automatic: auto(WEEK_START_LABELS[prefs.weekStart], sources.weekStart),
        options: options(WEEK_START_LABELS),
      },
      {
        name: 'clock',
        legend: 'Clock',
        chosen: chosen.clock ?? 'auto',
        automatic: auto(CLOCK_LABELS[prefs.clock], sources.clock),
        options: options(CLOCK_LABELS),
      },
    ];
    return renderPage(request, reply, 'preferences', { title: 'Units and clock', settings });
  });

  zodRoutes(app).post(
    '/preferences',
    { schema: { body: preferencesBody }, ...zodValidated, preHandler: [app.csrfProtection, requireMember] },
    async (request, reply) => {
      if (request.validationError)
        return sendMessagePage(request, reply, {
          status: 400,
          title: 'These settings could not be saved',
          what: 'The form sent a value this page does not offer.',
          todo: 'Open the preferences page again and choose from its options.',
          actions: [{ href: '/preferences', label: 'Back to the preferences' }],
        });
      const b = request.body;
      const chosen: ChosenPrefs = {
        units: b.units === 'auto' ? null : (b.units as UnitSystem),
        weekStart: b.weekStart === 'auto' ? null : (Number(b.weekStart) as WeekStart),
        clock: b.clock === 'auto' ? null : (b.clock as ClockFormat),
      };
      await ctx.accounts.setPreferences(request.member!.id, chosen);
      addFlash(request, 'info', 'Your units and clock settings are saved.');
      return reply.redirect('/preferences', 303);
    },
  );
}
