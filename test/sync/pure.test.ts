// Pure sync logic: week math, planning, file assembly, streaming array split, budget arithmetic, backoff,
// day size limits.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  currentWeek,
  datesOfWeek,
  weekIsComplete,
  weekOfDate,
  weekRange,
} from '../../src/moves/weeks.ts';
import { planSync } from '../../src/sync/plan.ts';
import { arrayInner, assembleDaysArray } from '../../src/sync/file-assembly.ts';
import { NotAnArrayError, rawArrayElements } from '../../src/sync/day-stream.ts';
import {
  boundaryGuardMs,
  correctedUsed,
  effectiveLimits,
  windowAt,
  windowLength,
} from '../../src/sync/rate-window.ts';
import { scanWindows } from '../../src/sync/edits.ts';
import { failedRunsAfter, quickRetryDelayMs, requeueDelayMs } from '../../src/sync/backoff.ts';
import {
  hasLongStringLiteral,
  MAX_DAY_BYTES,
  MAX_STRING_CHARS,
  screenDays,
} from '../../src/moves/day-limits.ts';
import { deepScanCycleUpdates, nextDeepScanStep, type DeepScanState } from '../../src/sync/deep-scan.ts';
import { checkDayText } from '../../src/sync/day-validation.ts';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('ISO weeks', () => {
  it('zero-pads week numbers and handles year boundaries', () => {
    expect(weekOfDate('20160205')).toBe('2016-W05');
    expect(weekOfDate('20210103')).toBe('2020-W53'); // Sunday belongs to the previous ISO year
    expect(weekOfDate('20210104')).toBe('2021-W01');
    expect(weekOfDate('20191230')).toBe('2020-W01'); // Monday in December starts ISO 2020
    expect(datesOfWeek('2020-W53')).toEqual([
      '20201228',
      '20201229',
      '20201230',
      '20201231',
      '20210101',
      '20210102',
      '20210103',
    ]);
    expect(weekRange('2020-W52', '2021-W02')).toEqual(['2020-W52', '2020-W53', '2021-W01', '2021-W02']);
    expect(() => datesOfWeek('2021-W53')).toThrow(/no such ISO week/);
    expect(addDays('20201231', 1)).toBe('20210101');
  });

  it('puts "now" in the member zone: the same instant is different weeks on each side of the date line', () => {
    const instant = new Date('2021-01-03T20:00:00Z'); // Sunday evening UTC
    expect(currentWeek('UTC', instant)).toBe('2020-W53');
    expect(currentWeek('Pacific/Auckland', instant)).toBe('2021-W01'); // already Monday there
    expect(currentWeek('America/Los_Angeles', instant)).toBe('2020-W53');
  });

  it('a week is complete only once its Sunday is over in the member zone', () => {
    const mondayUtc = new Date('2021-01-04T05:00:00Z');
    expect(weekIsComplete('2020-W53', 'UTC', mondayUtc)).toBe(true);
    expect(weekIsComplete('2020-W53', 'America/Los_Angeles', mondayUtc)).toBe(false); // still Sunday 21:00
    expect(weekIsComplete('2021-W01', 'UTC', mondayUtc)).toBe(false);
  });
});

describe('planSync', () => {
  const now = new Date('2016-07-06T12:00:00Z'); // Wednesday of 2016-W27
  it('plans every week from firstDate to the current week for a new member', () => {
    const p = planSync({ firstDate: '20160616', timeZone: 'Europe/Berlin', now, stored: [] });
    expect(p.weeks).toEqual(['2016-W24', '2016-W25', '2016-W26', '2016-W27']);
    expect(p.allWeeks).toEqual(p.weeks);
    expect(p.currentWeek).toBe('2016-W27');
  });
  it('skips complete stored weeks and refetches partial ones', () => {
    const p = planSync({
      firstDate: '20160616',
      timeZone: 'Europe/Berlin',
      now,
      stored: [
        { week: '2016-W24', complete: true },
        { week: '2016-W25', complete: false }, // stale (edited) or fetched while running
        { week: '2016-W26', complete: true },
        { week: '2016-W27', complete: false },
      ],
    });
    expect(p.weeks).toEqual(['2016-W25', '2016-W27']);
  });
  it('never trusts a "complete" flag on a week that is not over in the zone', () => {
    const p = planSync({
      firstDate: '20160616',
      timeZone: 'UTC',
      now,
      stored: [{ week: '2016-W27', complete: true }],
    });
    expect(p.weeks).toContain('2016-W27');
  });
});

describe('file assembly', () => {
  it('joins week arrays into one array, skipping empty weeks', async () => {
    const weeks = [
      '[{"date":"20160616"}]',
      '[]',
      '\n[ ]',
      ' [ {"date":"20160620"},{"date":"2016062€"} ]\r\n',
    ];
    const bytes = weeks.map((w) => Buffer.from(w));
    const out = Buffer.concat(await collect(assembleDaysArray(Readable.from(bytes)))).toString();
    expect(out).toBe('[{"date":"20160616"},{"date":"20160620"},{"date":"2016062€"}]');
    expect(Buffer.concat(await collect(assembleDaysArray(Readable.from([])))).toString()).toBe('[]');
  });
  it('refuses a stored week that is not an array', () => {
    for (const text of ['{"error":"x"}', '[', ']', '', '  ', '[{}'])
      expect(() => arrayInner(Buffer.from(text))).toThrow(/not a JSON array/);
  });
});

describe('rawArrayElements', () => {
  it('yields each element as its original text, numbers unchanged', async () => {
    const src = '[{"a":1.0,"id":12345678901234567890,"s":"x\\"y","n":null,"t":[true,false,{}]}, [], 3]';
    const els = await collect(rawArrayElements(Readable.from([src])));
    expect(els).toEqual([
      '{"a":1.0,"id":12345678901234567890,"s":"x\\"y","n":null,"t":[true,false,{}]}',
      '[]',
      '3',
    ]);
  });
  it('works across chunk boundaries', async () => {
    const src = JSON.stringify([{ date: '20160616', segments: [{ lat: 50.172459 }] }, { date: '20160617' }]);
    const chunks = src.match(/.{1,3}/g)!;
    expect(await collect(rawArrayElements(Readable.from(chunks)))).toEqual([
      '{"date":"20160616","segments":[{"lat":50.172459}]}',
      '{"date":"20160617"}',
    ]);
  });
  it('rejects documents that are not an array', async () => {
    await expect(collect(rawArrayElements(Readable.from(['{"error":"x"}'])))).rejects.toBeInstanceOf(
      NotAnArrayError,
    );
    await expect(collect(rawArrayElements(Readable.from(['[1,2'])))).rejects.toThrow();
  });
});

describe('day validation', () => {
  it('accepts Moves day objects and rejects the rest with a reason', () => {
    expect(checkDayText('{"date":"20160616","summary":null,"segments":null}')).toEqual({
      ok: true,
      date: '20160616',
    });
    expect(checkDayText('"error"').ok).toBe(false);
    expect(checkDayText('{"date":"20161332"}').ok).toBe(false);
    expect(checkDayText('{"date":"20160616","segments":"x"}').ok).toBe(false);
    // Archives and seeded files meet the same size limits as Moves' answers.
    const long = checkDayText(
      `{"date":"20160616","segments":[{"place":{"name":"${'x'.repeat(MAX_STRING_CHARS + 1)}"}}]}`,
    );
    expect(long).toEqual({ ok: false, date: '20160616', reason: expect.stringMatching(/characters long/) });
  });
});

describe('rate budget arithmetic', () => {
  it('aligns windows to the (scaled) top of the minute and hour', () => {
    expect(windowLength('minute', 60)).toBe(1000);
    const w = windowAt('minute', 1_000_000_123, 1, 60);
    expect(w.start).toBe(999_960_000);
    expect(w.end).toBe(1_000_020_000);
    const h = windowAt('hour', 7_300_000, 60, 100); // hour lasts 60 s at scale 60
    expect([h.start, h.end]).toEqual([7_260_000, 7_320_000]);
  });
  it('doubles the limits during a new token first hour, in per-user scope only', () => {
    const base = { minute: 60, hour: 2000 };
    const issued = new Date(1_000_000);
    const at = (ms: number, scope: 'user' | 'app') =>
      effectiveLimits({ base, scope, tokenIssuedAt: issued, now: 1_000_000 + ms, timeScale: 1 });
    expect(at(10 * 60_000, 'user')).toMatchObject({ minute: 120, hour: 4000, boosted: true });
    expect(at(10 * 60_000, 'app')).toMatchObject({ minute: 60, hour: 2000, boosted: false });
    expect(at(57 * 60_000, 'user').boosted).toBe(false); // inside the safety margin before the hour ends
    expect(at(61 * 60_000, 'user').boosted).toBe(false);
  });
  it('lowers our remaining quota when Moves reports less, never raises it', () => {
    expect(correctedUsed(10, 60, 40)).toBe(20);
    expect(correctedUsed(30, 60, 40)).toBe(30);
    expect(boundaryGuardMs(1)).toBe(250);
    expect(boundaryGuardMs(60)).toBe(20);
  });
});

describe('edit scan windows', () => {
  it('covers the range in 31-day windows', () => {
    expect(scanWindows('20160101', '20160305')).toEqual([
      { from: '20160101', to: '20160131' },
      { from: '20160201', to: '20160302' },
      { from: '20160303', to: '20160305' },
    ]);
    expect(scanWindows('20160101', '20160101')).toEqual([{ from: '20160101', to: '20160101' }]);
  });
});

describe('rolling deep scan', () => {
  const firstDate = '20160101';
  const synced = new Date('2016-03-05T10:00:00Z');

  /** Runs routine updates until the cycle wraps; the windows scanned, newest first. */
  function cycle(state: DeepScanState, today: string, now: Date) {
    const windows: { from: string; to: string; since: string }[] = [];
    for (let s = state, i = 0; i < 100; i++) {
      const step = nextDeepScanStep(s, { firstDate, today, now, historySyncedSince: synced });
      if (step.kind === 'profile') return { windows, wrapped: step.next, updates: i + 1 };
      windows.push({ from: step.from, to: step.to, since: step.updatedSince.toISOString() });
      s = step.next;
    }
    throw new Error('no wrap in 100 updates');
  }

  it('starts with the profile, then walks 31-day windows from today back to firstDate, one per update', () => {
    const first = nextDeepScanStep(
      { cursor: null, since: null, cycleStartedAt: null },
      { firstDate, today: '20160305', now: synced, historySyncedSince: synced },
    );
    expect(first.kind).toBe('profile');
    const { windows, updates } = cycle(first.next, '20160305', synced);
    expect(windows.map((w) => [w.from, w.to])).toEqual([
      ['20160204', '20160305'],
      ['20160104', '20160203'],
      ['20160101', '20160103'],
    ]);
    // Edits after the history was synced, less the clock-skew allowance.
    expect(new Set(windows.map((w) => w.since))).toEqual(new Set(['2016-03-05T09:55:00.000Z']));
    expect(updates).toBe(deepScanCycleUpdates(65));
  });

  it('looks for edits since the start of the previous cycle, which covers every edit after a window was read', () => {
    const first = nextDeepScanStep(
      { cursor: null, since: null, cycleStartedAt: null },
      { firstDate, today: '20160305', now: synced, historySyncedSince: synced },
    );
    const later = new Date('2016-04-01T08:00:00Z');
    const { wrapped } = cycle(first.next, '20160305', synced);
    // The wrapping update starts the next cycle: since = when the previous cycle began.
    expect(wrapped.since).toEqual(synced);
    const next = nextDeepScanStep(wrapped, {
      firstDate,
      today: '20160401',
      now: later,
      historySyncedSince: synced,
    });
    expect(next.kind).toBe('window');
    if (next.kind === 'window') expect([next.from, next.to]).toEqual(['20160302', '20160401']);
  });

  it('needs ceil(days / 31) + 1 updates per cycle', () => {
    expect(deepScanCycleUpdates(1826)).toBe(60);
    expect(deepScanCycleUpdates(31)).toBe(2);
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped and jittered', () => {
    expect(quickRetryDelayMs(0, () => 0)).toBe(250);
    expect(quickRetryDelayMs(0, () => 1)).toBe(500);
    expect(quickRetryDelayMs(10, () => 1)).toBe(5000);
    expect(requeueDelayMs(1, () => 1)).toBe(60_000);
    expect(requeueDelayMs(3, () => 1)).toBe(240_000);
    expect(requeueDelayMs(20, () => 1)).toBe(3_600_000);
  });

  it('starts over after a run that made progress; only runs without progress add up', () => {
    let runs = 0;
    for (let i = 0; i < 10; i++) runs = failedRunsAfter(runs, true);
    expect(runs).toBe(1);
    for (let i = 0; i < 3; i++) runs = failedRunsAfter(runs, false);
    expect(runs).toBe(4);
    expect(failedRunsAfter(runs, true)).toBe(1);
  });
});

describe('day size limits', () => {
  const day = (date: string, name: string) =>
    `{"date":"${date}","segments":[{"type":"place","place":{"id":1,"name":${JSON.stringify(name)},"location":{"lat":52.5200066,"lon":13.404954}}}],"lastUpdate":"20160101T000000Z"}`;

  it('passes ordinary weeks through as the very same text', () => {
    const text = `[${day('20160104', 'Café Einstein')},${day('20160105', 'Home')}]`;
    const r = screenDays(text);
    expect(r.rejected).toEqual([]);
    expect(r.daysJson).toBe(text);
  });

  it('refuses a day with an oversized name and keeps the others exactly (numbers included)', () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const keep = day('20160104', 'Home').replace('13.404954', '13.40495400000000000001');
    const r = screenDays(`[${keep},${day('20160105', big)}]`);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]!.date).toBe('20160105');
    expect(r.rejected[0]!.reason).toMatch(/characters long/);
    expect(r.daysJson).toBe(`[${keep}]`);
    expect(r.daysJson.length).toBeLessThan(MAX_STRING_CHARS * 2);
  });

  it('finds a string longer than the limit as written, escaped quotes and backslashes included', () => {
    const lit = (value: string) => JSON.stringify({ name: value });
    expect(hasLongStringLiteral(lit('a'.repeat(10)), 10)).toBe(false);
    expect(hasLongStringLiteral(lit('a'.repeat(11)), 10)).toBe(true);
    // An escaped quote does not end the string; an escaped backslash before a quote does not escape it.
    expect(hasLongStringLiteral(lit('"'.repeat(6)), 10)).toBe(true);
    expect(hasLongStringLiteral(`{"a":"\\\\","${'b'.repeat(11)}":1}`, 10)).toBe(true);
    expect(hasLongStringLiteral(`{"a":"\\\\","bb":"${'c'.repeat(10)}"}`, 10)).toBe(false);
    // Numbers and structure between strings do not count.
    expect(hasLongStringLiteral(`[${'1234567890,'.repeat(50)}"x"]`, 10)).toBe(false);
    // Every string over the limit is caught: its written form is never shorter than its value (a shorter value
    // written longer, like six newlines, may be flagged too: screenDays then measures the parsed day).
    for (const value of ['é'.repeat(11), '\n'.repeat(11), '\u0000'.repeat(11), '😀'.repeat(6)])
      expect(hasLongStringLiteral(lit(value), 10)).toBe(true);
    expect(screenDays(`[${day('20160104', '\n'.repeat(600))}]`).rejected).toEqual([]);
  });

  it('refuses a day over the size limit even when each string is short', () => {
    const points = Array.from(
      { length: 40_000 },
      (_, i) => `{"lat":52.${i},"lon":13.${i},"time":"20160104T101010+0100"}`,
    );
    const huge = `{"date":"20160104","segments":[{"type":"move","activities":[{"activity":"walking","trackPoints":[${points.join(',')}]}]}]}`;
    expect(huge.length).toBeGreaterThan(MAX_DAY_BYTES);
    const r = screenDays(`[${huge},${day('20160105', 'Work')}]`);
    expect(r.rejected.map((x) => x.date)).toEqual(['20160104']);
    expect(r.rejected[0]!.reason).toMatch(/bytes/);
    expect(JSON.parse(r.daysJson)).toHaveLength(1);
  });
});
