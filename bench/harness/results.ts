// One JSON file per scenario (bench/results/<scenario>.json) and the markdown summary of all of them.
import fs from 'node:fs';
import path from 'node:path';
import { gitCommit, machineInfo, type MachineInfo } from './machine.ts';

/** The figure names every scenario uses where they apply (docs/performance.md explains each). */
export interface Figures {
  efficiency?: number;
  requests?: number;
  http429?: number;
  bytesUploaded?: number;
  bytesDownloaded?: number;
  finalFileBytes?: number;
  publishes?: number;
  peakRssMb?: number;
  peakRssRatio?: number;
  budgetUse?: number;
  completionSpreadS?: number;
  p50Ms?: number;
  p99Ms?: number;
  requestsPerSecond?: number;
  [other: string]: number | undefined;
}

/** A target from the issue: met, missed (with the measured value), or not measured in this run. */
export interface TargetCheck {
  figure: string;
  target: string;
  met: boolean | null;
}

export interface ScenarioResult {
  scenario: string;
  commit: string;
  machine: MachineInfo;
  startedAt: string;
  durationS: number;
  settings: Record<string, unknown>;
  figures: Figures;
  /** Sub-runs (e.g. one per rate scope and worker count), each with its own settings and figures. */
  runs?: { name: string; settings: Record<string, unknown>; figures: Figures }[];
  targets?: TargetCheck[];
  /** Plain-words remarks: skipped parts, why a target is missed, what the figure does not include. */
  notes: string[];
  /** Set when the scenario could not run (e.g. the code it needs has not landed). */
  error?: string;
}

export type ScenarioOutcome = Omit<
  ScenarioResult,
  'scenario' | 'commit' | 'machine' | 'startedAt' | 'durationS'
>;

export function completeResult(scenario: string, startedAt: Date, outcome: ScenarioOutcome): ScenarioResult {
  return {
    scenario,
    commit: gitCommit(),
    machine: machineInfo(),
    startedAt: startedAt.toISOString(),
    durationS: round((Date.now() - startedAt.getTime()) / 1000, 1),
    ...outcome,
  };
}

export function writeResult(dir: string, result: ScenarioResult): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.scenario}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function readResults(dir: string): ScenarioResult[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ScenarioResult);
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A figure for a table cell: bytes as MB, ratios with 3 digits, counts as integers. */
export function formatFigure(name: string, v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (/bytes/i.test(name)) return `${(v / 1e6).toFixed(2)} MB`;
  if (Number.isInteger(v)) return String(v);
  return String(round(v, 3));
}

function figureRows(figures: Figures): string[] {
  return Object.entries(figures)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `| ${k} | ${formatFigure(k, v)} |`);
}

/** The markdown report of the given results (bench/results/summary.md; docs/performance.md embeds it). */
export function renderSummary(results: ScenarioResult[]): string {
  const out: string[] = [];
  const commits = [...new Set(results.map((r) => r.commit.slice(0, 10)))];
  const m = results[0]?.machine;
  out.push('# Benchmark results', '');
  if (m) out.push(`Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryMb} MB, Node ${m.node}.`);
  out.push(`Commit(s): ${commits.join(', ') || '–'}.`, '');
  for (const r of results) {
    out.push(`## ${r.scenario}`, '');
    out.push(`Run ${r.startedAt} in ${r.durationS} s. Settings: \`${JSON.stringify(r.settings)}\``, '');
    if (r.error) out.push(`**Did not run:** ${r.error}`, '');
    const rows = figureRows(r.figures);
    if (rows.length) out.push('| figure | value |', '|---|---|', ...rows, '');
    if (r.runs?.length) {
      const names = [...new Set(r.runs.flatMap((x) => Object.keys(x.figures)))];
      out.push(`| run | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`);
      for (const run of r.runs)
        out.push(`| ${run.name} | ${names.map((n) => formatFigure(n, run.figures[n])).join(' | ')} |`);
      out.push('');
    }
    if (r.targets?.length) {
      out.push('| target | status |', '|---|---|');
      for (const t of r.targets)
        out.push(
          `| ${t.figure} ${t.target} | ${t.met === null ? 'not measured' : t.met ? 'met' : '**missed**'} |`,
        );
      out.push('');
    }
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.notes.length) out.push('');
  }
  return out.join('\n');
}
