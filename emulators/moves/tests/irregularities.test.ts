// The irregularities recorded from real 2018 traffic: each is produced at about the recorded rate (counted over a
// fixed set of seeds and weeks: the generator is deterministic), and each switch turns exactly its own one off.
import { describe, expect, it } from 'vitest';
import { formatDate, parseDate } from '../dates.ts';
import { generateStorylineDay } from '../generator.ts';
import {
  RECORDED_GAPS_PER_WEEK,
  RECORDED_TRACK_POINTS_PER_DAY,
  RECORDED_WEEK_BYTES,
  SEGMENT_END_OVERHANG_RATE,
  TRACK_POINT_OVERHANG_RATE,
  type Irregularities,
} from '../irregularities.ts';
import type { StorylineDayJson } from '../projections.ts';
import { toMovesJson } from '../serializer.ts';
import { parseMovesTimestamp } from '../time-format.ts';

const NOW = Date.UTC(2018, 6, 1);
const SEEDS = Array.from({ length: 16 }, (_, i) => 100 + i);
const WEEKS = 5;
/** A Monday: the recorded week was in 2016, in zone -0700. */
const FIRST_MONDAY = '20160627';
const ZONE = 'America/Los_Angeles';

const secs = (time: string): number => parseMovesTimestamp(time)! / 1000;

interface Counts {
  weeks: number;
  days: number;
  weekBytes: number;
  trackPoints: number;
  moves: number;
  movesEndingLate: number;
  activitiesWithFixes: number;
  lastFixLate: number;
  firstFixEarly: number;
  pairs: number;
  gaps: number;
  /** anything else than "same second" or "1 s later" where the recording allows only those two */
  oddSteps: number;
}

function count(irregularities: Partial<Irregularities> = {}, seeds = SEEDS, weeks = WEEKS): Counts {
  const c: Counts = {
    weeks: 0,
    days: 0,
    weekBytes: 0,
    trackPoints: 0,
    moves: 0,
    movesEndingLate: 0,
    activitiesWithFixes: 0,
    lastFixLate: 0,
    firstFixEarly: 0,
    pairs: 0,
    gaps: 0,
    oddSteps: 0,
  };
  const monday = parseDate(FIRST_MONDAY)!;
  for (const seed of seeds) {
    const user = { seed, firstDate: '20160101', timeZone: ZONE };
    for (let w = 0; w < weeks; w++) {
      const week: StorylineDayJson[] = [];
      for (let d = 0; d < 7; d++) {
        const date = formatDate(monday + 7 * w + d);
        week.push(generateStorylineDay(user, date, { trackPoints: true, now: NOW, irregularities }));
      }
      c.weeks++;
      c.days += 7;
      c.weekBytes += Buffer.byteLength(toMovesJson(week));
      for (const day of week) tally(c, day);
    }
  }
  return c;
}

/** Midnight cuts (…T235959 / …T000000) are the reference's rule, not an irregularity: they are left out. */
const cutAtMidnight = (time: string | undefined) => /T(235959|000000)/.test(time ?? '');

function tally(c: Counts, day: StorylineDayJson): void {
  for (const s of day.segments ?? []) {
    const acts = s.activities ?? [];
    for (const a of acts) {
      const tp = a.trackPoints ?? [];
      c.trackPoints += tp.length;
      if (tp.length === 0 || !a.startTime || !a.endTime) continue;
      if (secs(tp[0]!.time) < secs(a.startTime)) c.firstFixEarly++;
      if (cutAtMidnight(a.endTime)) continue;
      c.activitiesWithFixes++;
      const late = secs(tp.at(-1)!.time) - secs(a.endTime);
      if (late === 1) c.lastFixLate++;
      else if (late !== 0) c.oddSteps++;
    }
    if (s.type !== 'move' || acts.length === 0) continue;
    const last = acts.at(-1)!;
    if (!cutAtMidnight(last.endTime) && s.endTime.slice(0, 8) === day.date) {
      c.moves++;
      const late = secs(s.endTime) - secs(last.endTime!);
      if (late === 1) c.movesEndingLate++;
      else if (late !== 0) c.oddSteps++;
    }
    for (let i = 1; i < acts.length; i++) {
      const gap = secs(acts[i]!.startTime!) - secs(acts[i - 1]!.endTime!);
      c.pairs++;
      if (gap === 1) c.gaps++;
      else if (gap !== 0) c.oddSteps++;
    }
  }
}

const recorded = count();
console.log(
  `recorded sample: ${recorded.weeks} weeks, move ends late ${recorded.movesEndingLate}/${recorded.moves}, ` +
    `last fix late ${recorded.lastFixLate}/${recorded.activitiesWithFixes}, gaps/week ${(recorded.gaps / recorded.weeks).toFixed(2)}, ` +
    `track points/day ${(recorded.trackPoints / recorded.days).toFixed(0)}, kB/week ${(recorded.weekBytes / recorded.weeks / 1000).toFixed(1)}`,
);
/** The switches are compared on a smaller sample. */
const SMALL = [SEEDS.slice(0, 4), 2] as const;
const small = count({}, ...SMALL);

describe('irregularities of real 2018 traffic, all on by default', () => {
  it('11 of 41 move segments end 1 s after their last activity', () => {
    expect(recorded.moves).toBeGreaterThan(1000);
    expect(Math.abs(recorded.movesEndingLate / recorded.moves - SEGMENT_END_OVERHANG_RATE)).toBeLessThan(
      0.03,
    );
    expect(SEGMENT_END_OVERHANG_RATE).toBe(11 / 41);
  });

  it('14 of 179 activities have their last track point 1 s after endTime; none starts before startTime', () => {
    expect(recorded.activitiesWithFixes).toBeGreaterThan(1000);
    const rate = recorded.lastFixLate / recorded.activitiesWithFixes;
    expect(Math.abs(rate - TRACK_POINT_OVERHANG_RATE)).toBeLessThan(0.015);
    expect(TRACK_POINT_OVERHANG_RATE).toBe(14 / 179);
    expect(recorded.firstFixEarly).toBe(0);
  });

  it('about 7 pairs of consecutive activities a week have a 1 s gap instead of a shared boundary', () => {
    const perWeek = recorded.gaps / recorded.weeks;
    expect(perWeek).toBeGreaterThan(RECORDED_GAPS_PER_WEEK - 1);
    expect(perWeek).toBeLessThan(RECORDED_GAPS_PER_WEEK + 1);
    expect(recorded.gaps).toBeLessThan(recorded.pairs); // most boundaries are still shared
  });

  it('only ever steps of 0 or 1 s where the recording had them', () => {
    expect(recorded.oddSteps).toBe(0);
  });

  it('about 340 track points a day and about 184 kB per full week with track points', () => {
    const perDay = recorded.trackPoints / recorded.days;
    expect(Math.abs(perDay / RECORDED_TRACK_POINTS_PER_DAY - 1)).toBeLessThan(0.1);
    const weekBytes = recorded.weekBytes / recorded.weeks;
    expect(Math.abs(weekBytes / RECORDED_WEEK_BYTES - 1)).toBeLessThan(0.1);
  });

  it('the day of firstDate is {"date":…,"summary":null,"segments":null}', () => {
    for (const seed of SEEDS.slice(0, 5)) {
      const user = { seed, firstDate: '20160616', timeZone: ZONE };
      const day = generateStorylineDay(user, '20160616', { trackPoints: true, now: NOW });
      expect(toMovesJson(day)).toBe('{"date":"20160616","summary":null,"segments":null}');
    }
  });
});

describe('each switch turns off its own irregularity only', () => {
  it('segmentEndOverhang', () => {
    const c = count({ segmentEndOverhang: false }, ...SMALL);
    expect(small.movesEndingLate).toBeGreaterThan(0);
    expect(c.movesEndingLate).toBe(0);
    expect(c.gaps).toBe(small.gaps);
    expect(c.lastFixLate).toBe(small.lastFixLate);
  });

  it('trackPointOverhang', () => {
    const c = count({ trackPointOverhang: false }, ...SMALL);
    expect(c.lastFixLate).toBe(0);
    expect(c.movesEndingLate).toBe(small.movesEndingLate);
    expect(c.gaps).toBe(small.gaps);
  });

  it('activityGaps', () => {
    const c = count({ activityGaps: false }, ...SMALL);
    expect(c.gaps).toBe(0);
    expect(c.pairs).toBe(small.pairs);
    expect(c.movesEndingLate).toBe(small.movesEndingLate);
  });

  it('recordedDensity: off gives the sparser fixes (about 0.7 of the recorded size)', () => {
    const c = count({ recordedDensity: false }, ...SMALL);
    expect(c.trackPoints / c.days).toBeLessThan(0.8 * RECORDED_TRACK_POINTS_PER_DAY);
    expect(c.weekBytes / c.weeks).toBeLessThan(0.8 * RECORDED_WEEK_BYTES);
    expect(c.movesEndingLate).toBe(small.movesEndingLate);
  });

  it('emptyFirstDate', () => {
    const user = { seed: 100, firstDate: '20160616', timeZone: ZONE };
    const day = generateStorylineDay(user, '20160616', {
      now: NOW,
      irregularities: { emptyFirstDate: false },
    });
    expect(day.segments).not.toBeNull();
    expect(day.summary).not.toBeNull();
  });
});
