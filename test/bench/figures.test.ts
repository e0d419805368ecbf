// The benchmark's figure maths and report writer: the rate-limit minimum against hand-counted windows, and
// the summary's rendering of results.
import { describe, expect, it } from 'vitest';
import { allowedRequests, minimumMinutesClosedForm, minimumTimeMs } from '../../bench/harness/limits.ts';
import { formatFigure, renderSummary, type ScenarioResult } from '../../bench/harness/results.ts';

const MIN = 60_000;
const base = { minuteLimit: 60, hourLimit: 2000, timeScale: 1 };

describe('rate-limit minimum', () => {
  it('sends everything that fits in the first window at once', () => {
    expect(minimumTimeMs({ ...base, tokenIssuedAt: 0 }, 120, 0)).toBe(0);
    expect(minimumTimeMs({ ...base, tokenIssuedAt: null }, 60, 0)).toBe(0);
  });

  it('counts minute windows, doubled for a fresh token', () => {
    // 262 requests at 120/min from a window start: 120 + 120 + 22, the last window opens 2 minutes later.
    expect(minimumTimeMs({ ...base, tokenIssuedAt: 0 }, 262, 0)).toBe(2 * MIN);
    // Without the doubling: 60 per minute, 5 windows.
    expect(minimumTimeMs({ ...base, tokenIssuedAt: null }, 262, 0)).toBe(4 * MIN);
  });

  it('starts mid-window: the first window ends early', () => {
    expect(minimumTimeMs({ ...base, tokenIssuedAt: null }, 61, 30_000)).toBe(30_000);
  });

  it('waits for the next hour when the hour quota is spent', () => {
    // 2000/h at 60/min: the 2001st request waits for the hour window to reset.
    expect(minimumTimeMs({ ...base, tokenIssuedAt: null }, 2001, 0)).toBe(60 * MIN);
    expect(allowedRequests({ ...base, tokenIssuedAt: null }, 0, 60 * MIN - 1)).toBe(2000);
  });

  it('scales windows with the time scale', () => {
    expect(minimumTimeMs({ ...base, timeScale: 60, tokenIssuedAt: null }, 121, 0)).toBe(2 * 1000);
  });

  it('agrees with the closed form when windows start with the token', () => {
    for (const n of [1, 120, 121, 262, 4000, 4001, 6000, 10_000]) {
      const sim = minimumTimeMs({ ...base, tokenIssuedAt: 0 }, n, 0) / MIN;
      expect(sim, `n=${n}`).toBe(minimumMinutesClosedForm(n, 60, 2000));
    }
  });
});

describe('report', () => {
  const result: ScenarioResult = {
    scenario: 'backfill',
    commit: 'abcdef0123456789',
    machine: { cores: 2, cpuModel: 'test cpu', memoryMb: 1024, node: 'v20', platform: 'linux' },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationS: 12.5,
    settings: { years: 5 },
    figures: { efficiency: 0.5041, http429: 0, bytesUploaded: 129_726_079 },
    targets: [{ figure: 'efficiency', target: '≥ 0.95', met: false }],
    notes: ['a note'],
  };

  it('formats bytes as MB and ratios with three digits', () => {
    expect(formatFigure('bytesUploaded', 129_726_079)).toBe('129.73 MB');
    expect(formatFigure('efficiency', 0.50412)).toBe('0.504');
    expect(formatFigure('http429', 0)).toBe('0');
    expect(formatFigure('p99Ms', undefined)).toBe('–');
  });

  it('renders figures, missed targets and notes', () => {
    const md = renderSummary([result]);
    expect(md).toContain('## backfill');
    expect(md).toContain('| efficiency | 0.504 |');
    expect(md).toContain('| efficiency ≥ 0.95 | **missed** |');
    expect(md).toContain('- a note');
    expect(md).toContain('abcdef0123');
  });
});
