// `npm run bench [-- scenario…] [-- --quick]`: runs the scenarios against the emulators, writes
// bench/results/<scenario>.json and bench/results/summary.md. Benchmarks report; they never fail a build
// because a figure is off target (the exit code is non-zero only when a scenario could not run at all).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { completeResult, readResults, renderSummary, writeResult } from './harness/results.ts';
import type { Scenario } from './harness/scenario.ts';
import { backfill } from './scenarios/backfill.ts';
import { faults } from './scenarios/faults.ts';
import { importScenario } from './scenarios/import.ts';
import { insights } from './scenarios/insights.ts';
import { memory } from './scenarios/memory.ts';
import { manyMembers } from './scenarios/many-members.ts';
import { startup } from './scenarios/startup.ts';
import { steadyState } from './scenarios/steady-state.ts';
import { web } from './scenarios/web.ts';

export const SCENARIOS: Scenario[] = [
  backfill,
  memory,
  manyMembers,
  steadyState,
  web,
  faults,
  importScenario,
  startup,
  insights,
];

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

const USAGE = `Usage: npm run bench -- [--quick] [scenario…]

Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')} (default: all)
  --quick   smaller settings: the whole suite in under 5 minutes on 2 cores
Results: bench/results/<scenario>.json and bench/results/summary.md`;

export async function runBench(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = positionals.filter((p) => !SCENARIOS.some((s) => s.name === p));
  if (unknown.length) {
    console.error(`bench: unknown scenario ${unknown.map((u) => `"${u}"`).join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const chosen = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
  const quick = values.quick ?? false;
  const log = (m: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
  let failed = 0;
  for (const s of chosen) {
    const startedAt = new Date();
    log(`${s.name}: ${s.description}${quick ? ' (quick)' : ''}`);
    let result;
    try {
      const outcome = await s.run({ quick, log });
      result = completeResult(s.name, startedAt, { ...outcome, settings: { ...outcome.settings, quick } });
    } catch (err) {
      failed++;
      const message = (err as Error).message;
      log(`${s.name}: could not run: ${message}`);
      result = completeResult(s.name, startedAt, {
        settings: { quick },
        figures: {},
        notes: [],
        error: message,
      });
    }
    const file = writeResult(RESULTS_DIR, result);
    log(`${s.name}: ${JSON.stringify(result.figures)} → ${path.relative(process.cwd(), file)}`);
  }
  const summary = renderSummary(readResults(RESULTS_DIR));
  fs.writeFileSync(path.join(RESULTS_DIR, 'summary.md'), summary + '\n');
  log(`summary: ${path.relative(process.cwd(), path.join(RESULTS_DIR, 'summary.md'))}`);
  embedInDocs(summary);
  return failed ? 1 : 0;
}

/** docs/performance.md shows the latest results between its two markers. */
function embedInDocs(summary: string): void {
  const doc = path.join(RESULTS_DIR, '..', '..', 'docs', 'performance.md');
  if (!fs.existsSync(doc)) return;
  const text = fs.readFileSync(doc, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const body = summary.replace(/^# Benchmark results\n/, '').replace(/^## /gm, '### ');
  fs.writeFileSync(doc, `${text.slice(0, i + start.length)}\n${body.trim()}\n${text.slice(j)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runBench(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error('bench failed:', err);
      process.exit(1);
    },
  );
}
