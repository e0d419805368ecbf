// What every scenario module exports, and small helpers they share.
import { DateTime } from 'luxon';
import type { ScenarioOutcome, TargetCheck } from './results.ts';

export interface ScenarioOptions {
  quick: boolean;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  run(opts: ScenarioOptions): Promise<ScenarioOutcome>;
}

/** Number of ISO weeks from the week of `firstDate` (yyyyMMdd) to the current week in `zone`, both included. */
export function isoWeeksSince(firstDate: string, zone: string, now = Date.now()): number {
  const first = DateTime.fromFormat(firstDate, 'yyyyMMdd', { zone }).startOf('week');
  const current = DateTime.fromMillis(now, { zone }).startOf('week');
  return Math.round(current.diff(first, 'weeks').weeks) + 1;
}

export function target(
  figure: string,
  text: string,
  value: number | undefined,
  ok: (v: number) => boolean,
): TargetCheck {
  return { figure, target: text, met: value === undefined || Number.isNaN(value) ? null : ok(value) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
