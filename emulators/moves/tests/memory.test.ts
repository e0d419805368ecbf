// Five years of track points served week by week: the heap must stay flat (nothing materialised or cached).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHarness, type Harness } from './helpers.ts';
import { formatDate, isoWeekday, parseDate } from '../dates.ts';
import { DateTime } from 'luxon';
import v8 from 'node:v8';
import vm from 'node:vm';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    { firstDate: '20130105', timeZone: 'Europe/Berlin', seed: 99 },
    { minuteLimit: 1_000_000, hourLimit: 10_000_000 },
  );
});
afterAll(() => h.em.close());

// A real GC before each reading, so the numbers show live memory, not garbage waiting to be collected.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('memory', () => {
  it('stays flat while serving 5 years of storyline with track points', async () => {
    let monday = parseDate('20130107')!;
    while (isoWeekday(monday) !== 1) monday++;
    const weeks: string[] = [];
    for (let i = 0; i < 261; i++) {
      const dt = DateTime.fromISO(formatDate(monday + i * 7), { zone: 'UTC' });
      weeks.push(`${dt.weekYear}-W${String(dt.weekNumber).padStart(2, '0')}`);
    }
    let bytes = 0;
    let baseline = 0;
    let peak = 0;
    for (let i = 0; i < weeks.length; i++) {
      const r = await api(h, `/api/1.1/user/storyline/daily/${weeks[i]}?trackPoints=true`);
      expect(r.status).toBe(200);
      bytes += r.text.length;
      if (i === 10) baseline = heapMb();
      if (i > 10 && i % 25 === 0) peak = Math.max(peak, heapMb());
    }
    peak = Math.max(peak, heapMb());
    // ~5 years of track points is far more than the allowed growth.
    expect(bytes).toBeGreaterThan(100e6 / 4);
    console.log(
      `5 years: ${(bytes / 1e6).toFixed(0)} MB served, heap ${baseline.toFixed(1)} → peak ${peak.toFixed(1)} MB`,
    );
    expect(peak - baseline).toBeLessThan(40);
  });
});
