// memory: the backfill with 1 and with 5 years, each in its own app process so its peak RSS is its own;
// a sync that streams should need about the same memory for both.
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { runBackfill } from './backfill.ts';

export const memory: Scenario = {
  name: 'memory',
  description: 'peak RSS of the 1-year and the 5-year backfill, each in its own process',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    // Memory does not depend on how long the rate-limit waits last: a high time scale keeps this short.
    const timeScale = 60;
    const runs = [];
    const notes: string[] = [];
    for (const years of [1, 5]) {
      const r = await runBackfill({
        years,
        timeScale,
        timeoutMs: opts.quick ? 120_000 : 400_000,
        log: opts.log,
      });
      notes.push(...r.notes.map((n) => `${years} year(s): ${n}`));
      runs.push({ name: `${years} year${years > 1 ? 's' : ''}`, settings: r.settings, figures: r.figures });
    }
    const [one, five] = runs.map((r) => r.figures.peakRssMb);
    const figures: Figures = {
      peakRssMb: five,
      peakRssMb1y: one,
      peakRssMb5y: five,
      peakRssRatio: one && five ? round(five / one, 3) : undefined,
      finalFileBytes1y: runs[0]?.figures.finalFileBytes,
      finalFileBytes5y: runs[1]?.figures.finalFileBytes,
    };
    notes.push(
      'RSS is the app process only (the emulators run in the benchmark process): the kernel maximum (resourceUsage().maxRSS) of a process that connected the member, ran the first sync to the end and published.',
    );
    return {
      settings: { years: [1, 5], timeScale, rateScope: 'user', store: 'pglite' },
      figures,
      runs: runs.map((r) => ({ name: r.name, settings: {}, figures: r.figures })),
      targets: [target('peakRssRatio', '≤ 1.2 (5 years vs 1 year)', figures.peakRssRatio, (v) => v <= 1.2)],
      notes,
    };
  },
};
