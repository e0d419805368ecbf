// The generator's rules: determinism, midnight splitting (§4.1), summary (§4.2), variety of real-world features.
import { describe, expect, it } from 'vitest';
import { generateStorylineDay, type GeneratorUser } from '../generator.ts';
import type { StorylineDayJson } from '../projections.ts';
import { computeSummary } from '../summary.ts';
import { parseDate, formatDate } from '../dates.ts';
import { parseMovesTimestamp } from '../time-format.ts';

const NOW = Date.UTC(2021, 0, 1);
const user: GeneratorUser = { seed: 5, firstDate: '20180101', timeZone: 'Europe/Berlin' };

/** Seconds since the epoch of a Moves time like 20190401T072227+0200. */
const movesSeconds = (time: string): number => parseMovesTimestamp(time)! / 1000;

function days(u: GeneratorUser, from: string, n: number, trackPoints = false): StorylineDayJson[] {
  const start = parseDate(from)!;
  return Array.from({ length: n }, (_, i) =>
    generateStorylineDay(u, formatDate(start + i), { trackPoints, now: NOW }),
  );
}

describe('generator', () => {
  it('is deterministic and independent of the order days are generated in', () => {
    const a = generateStorylineDay(user, '20190305', { trackPoints: true, now: NOW });
    days(user, '20190301', 10, true);
    const b = generateStorylineDay(user, '2019-03-05', { trackPoints: true, now: NOW });
    expect(b).toEqual(a);
    expect(
      generateStorylineDay({ ...user, seed: 6 }, '20190305', { trackPoints: true, now: NOW }),
    ).not.toEqual(a);
  });

  it('leaves days before firstDate empty and hides data not uploaded yet', () => {
    expect(generateStorylineDay(user, '20171231', { now: NOW })).toEqual({
      date: '20171231',
      summary: null,
      segments: null,
    });
    const beforeUpload = generateStorylineDay(user, '20190305', { now: Date.UTC(2019, 2, 4, 23) });
    expect(beforeUpload.segments).toBeNull();
  });

  it("each day's summary equals its activities aggregated", () => {
    for (const day of days(user, '20190101', 60)) {
      if (!day.segments) continue;
      const acts = day.segments.flatMap((s) => s.activities ?? []);
      expect(day.summary).toEqual(computeSummary(acts));
    }
  });

  it('has empty days, off segments, manual timeless workouts, third-party and unknown places', () => {
    const all = days({ ...user, seed: 77 }, '20180101', 365);
    const segs = all.flatMap((d) => d.segments ?? []);
    const acts = segs.flatMap((s) => s.activities ?? []);
    expect(all.some((d) => d.segments === null && d.summary === null && d.lastUpdate === undefined)).toBe(
      true,
    );
    expect(segs.some((s) => s.type === 'off' && !s.place && !s.activities)).toBe(true);
    expect(acts.some((a) => a.manual && a.startTime === undefined && a.endTime === undefined)).toBe(true);
    expect(acts.some((a) => a.group === 'transport' && a.manual)).toBe(true);
    for (const kind of ['walking', 'running', 'cycling'])
      expect(acts.some((a) => a.activity === kind)).toBe(true);
    expect(acts.some((a) => ['car', 'bus', 'train', 'tram', 'underground'].includes(a.activity))).toBe(true);
    expect(
      segs.some((s) => s.place?.type === 'facebook' && /^\d+$/.test(s.place.facebookPlaceId ?? '')),
    ).toBe(true);
    expect(
      segs.some((s) => s.place?.type === 'foursquare' && /^[0-9a-f]{24}$/.test(s.place.foursquareId ?? '')),
    ).toBe(true);
    expect(segs.some((s) => s.place?.type === 'unknown' && s.place.name === undefined)).toBe(true);
    // Place ids are stable across visits.
    const homes = new Set(segs.filter((s) => s.place?.type === 'home').map((s) => s.place!.id));
    expect(homes.size).toBe(1);
  });

  it('day lastUpdate is the max of its segments', () => {
    for (const day of days(user, '20190601', 20)) {
      if (!day.segments) continue;
      expect(day.lastUpdate).toBe(
        day.segments
          .map((s) => s.lastUpdate)
          .sort()
          .at(-1),
      );
    }
  });

  it('track points are plausible: spacing at most 60 s, speeds below 60 m/s, first/last at the activity edges', () => {
    const all = days(user, '20190401', 7, true);
    for (const a of all
      .flatMap((d) => d.segments ?? [])
      .flatMap((s) => (s.type === 'move' ? (s.activities ?? []) : []))) {
      const tp = a.trackPoints!;
      expect(tp.length).toBeGreaterThanOrEqual(2);
      expect(tp[0]!.time).toBe(a.startTime);
      const secs = tp.map((p) => movesSeconds(p.time));
      // The last fix is at the end, or (recorded irregularity) 1 s after it.
      expect([0, 1]).toContain(secs.at(-1)! - movesSeconds(a.endTime!));
      for (let i = 1; i < tp.length; i++) {
        const dt = secs[i]! - secs[i - 1]!;
        expect(dt).toBeGreaterThan(0);
        expect(dt).toBeLessThanOrEqual(60);
        const dLat = (tp[i]!.lat - tp[i - 1]!.lat) * 111_000;
        const dLon = (tp[i]!.lon - tp[i - 1]!.lon) * 111_000 * Math.cos((tp[i]!.lat * Math.PI) / 180);
        expect(Math.hypot(dLat, dLon) / dt).toBeLessThan(60);
      }
    }
  });
});

describe('midnight splitting (§4.1)', () => {
  function findCrossing(type: 'move' | 'place'): {
    day: StorylineDayJson;
    next: StorylineDayJson;
    seg: NonNullable<StorylineDayJson['segments']>[number];
  } {
    const all = days({ ...user, seed: 9 }, '20180201', 120, true);
    for (let i = 0; i < all.length - 1; i++) {
      const seg = all[i]!.segments?.find(
        (s) => s.type === type && s.endTime.slice(0, 8) > all[i]!.date && (s.activities?.length ?? 0) > 0,
      );
      if (seg) return { day: all[i]!, next: all[i + 1]!, seg };
    }
    throw new Error(`no ${type} segment crossing midnight`);
  }

  it('a move crossing midnight is repeated with the same start/end; its activity is split at 235959/000000', () => {
    const { day, next, seg } = findCrossing('move');
    const twin = next.segments!.find((s) => s.startTime === seg.startTime);
    expect(twin).toBeDefined();
    expect(twin!.endTime).toBe(seg.endTime);
    const before = seg.activities!.at(-1)!;
    const after = twin!.activities![0]!;
    expect(before.endTime!.slice(0, 15)).toBe(`${day.date}T235959`);
    expect(after.startTime!.slice(0, 15)).toBe(`${next.date}T000000`);
    expect(before.trackPoints!.at(-1)!.time).toBe(before.endTime);
    expect(after.trackPoints![0]!.time).toBe(after.startTime);
    expect(before.activity).toBe(after.activity);
  });

  it('a place crossing midnight appears in both days with the same times', () => {
    const all = days(user, '20190101', 5);
    const night = all[1]!.segments![0]!;
    expect(night.type).toBe('place');
    expect(night.startTime.slice(0, 8)).toBe(all[0]!.date);
    expect(all[0]!.segments!.at(-1)).toEqual(night);
  });

  it('follows the requested zone for day boundaries and offsets', () => {
    const la = generateStorylineDay(user, '20190305', { timeZone: 'America/Los_Angeles', now: NOW });
    expect(la.segments![0]!.startTime).toMatch(/-0800$/);
    const berlin = generateStorylineDay(user, '20190305', { now: NOW });
    expect(berlin.segments![0]!.startTime).toMatch(/\+0100$/);
  });
});

describe('edits', () => {
  it('an edit changes the day and bumps its lastUpdate', () => {
    const at = Date.UTC(2020, 5, 1, 12);
    const before = generateStorylineDay(user, '20190305', { now: NOW });
    const edited = generateStorylineDay(
      { ...user, edits: new Map([['20190305', { count: 1, at }]]) },
      '20190305',
      { now: NOW },
    );
    expect(edited).not.toEqual(before);
    expect(edited.lastUpdate).toBe('20200601T120000Z');
    expect(JSON.stringify(edited)).toMatch(/"manual":true/);
  });
});
