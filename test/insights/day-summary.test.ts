// The day summary is pure and tolerant: totals per group, places, moves, flights, grid cells and countries from
// one day object, and nothing thrown for null or mistyped fields.
import { describe, expect, it } from 'vitest';
import { placeKey, summarizeDay, summarizeWeekText } from '../../src/insights/day-summary.ts';
import { cellOf } from '../../src/insights/grid.ts';

const berlin = { lat: 52.52, lon: 13.405 };
const day = {
  date: '20160617',
  summary: [
    { activity: 'walking', group: 'walking', duration: 1200, distance: 1500, steps: 2000, calories: 90 },
    { activity: 'cycling', group: 'cycling', duration: 600, distance: 3000, calories: 60 },
    { activity: 'walking_on_treadmill', group: 'walking', duration: 100, distance: 100, steps: 150 },
    { activity: 'airplane', duration: 7000, distance: 900000 },
  ],
  segments: [
    {
      type: 'place',
      startTime: '20160617T000000+0200',
      endTime: '20160617T080000+0200',
      place: { id: 7, name: 'Home', type: 'home', location: berlin },
    },
    {
      type: 'move',
      activities: [
        {
          activity: 'walking',
          group: 'walking',
          distance: 1500,
          duration: 1200,
          startTime: '20160617T080000+0200',
          endTime: '20160617T082000+0200',
          trackPoints: [berlin, { lat: 52.5201, lon: 13.4051 }, { lat: 52.53, lon: 13.41 }],
        },
        {
          activity: 'airplane',
          distance: 900000,
          duration: 7000,
          startTime: '20160617T092400+0200',
          endTime: '20160617T112500+0100',
          trackPoints: [
            { lat: 52.36, lon: 13.5 },
            { lat: 51.47, lon: -0.45 },
          ],
        },
      ],
    },
    {
      type: 'place',
      startTime: '20160617T120000+0100',
      place: { type: 'unknown', location: { lat: 51.5007, lon: -0.1246 } },
    },
  ],
};

describe('summarizeDay', () => {
  it('adds up the summary by activity group (activity when a group is missing)', () => {
    const s = summarizeDay(day)!;
    expect(s.hasData).toBe(true);
    expect(s.groups).toEqual({
      walking: { distance: 1600, duration: 1300, steps: 2150, calories: 90 },
      cycling: { distance: 3000, duration: 600, steps: 0, calories: 60 },
      airplane: { distance: 900000, duration: 7000, steps: 0, calories: 0 },
    });
  });

  it('names places by Moves id, else by their location rounded to about 50 m', () => {
    const s = summarizeDay(day)!;
    expect(s.visits.map((v) => v.key)).toEqual(['m7', placeKey(undefined, { lat: 51.5007, lon: -0.1246 })]);
    expect(s.visits[0]).toMatchObject({ name: 'Home', type: 'home', start: '20160617T000000+0200' });
    expect(placeKey(undefined, { lat: 51.50071, lon: -0.12462 })).toBe(
      placeKey(null, { lat: 51.5007, lon: -0.1246 }),
    );
  });

  it('counts every track point in its grid cell, keeps the longest moves, the flights and the countries', () => {
    const s = summarizeDay(day)!;
    expect(s.cells.reduce((n, c) => n + c[2], 0)).toBe(5);
    const [la, lo] = cellOf(berlin.lat, berlin.lon);
    expect(s.cells.find((c) => c[0] === la && c[1] === lo)?.[2]).toBe(2);
    expect(s.moves.map((m) => m.activity)).toEqual(['airplane', 'walking']);
    expect(s.flights).toHaveLength(1);
    expect(s.flights[0]).toMatchObject({ start: '20160617T092400+0200', end: '20160617T112500+0100' });
    expect(s.countries).toEqual(['DE', 'GB']);
  });

  it('treats null and mistyped fields as absent and never throws', () => {
    const variants: unknown[] = [
      { date: '20160101', summary: null, segments: null },
      { date: '20160101', summary: [null, { group: null, distance: null }], segments: [null, 5, 'x'] },
      {
        date: '20160101',
        segments: [
          { type: 'place', place: null },
          { type: 'place', place: { id: null, location: null } },
          { type: 'place', place: { location: { lat: 'a', lon: 1 } } },
          { type: 'move', activities: null },
          { type: 'move', activities: [null, { trackPoints: null }, { trackPoints: [null, { lat: 1 }] }] },
          { type: 'move', activities: [{ group: null, activity: null, distance: '5', startTime: null }] },
        ],
      },
    ];
    for (const v of variants) expect(() => summarizeDay(v)).not.toThrow();
    const empty = summarizeDay(variants[0])!;
    expect(empty).toMatchObject({ hasData: false, groups: {}, visits: [], cells: [], countries: [] });
    const odd = summarizeDay(variants[1])!;
    expect(odd.groups).toEqual({ other: { distance: 0, duration: 0, steps: 0, calories: 0 } });
    for (const bad of [null, 5, 'x', [], {}, { date: 20160101 }, { date: '2016-01-01' }])
      expect(summarizeDay(bad)).toBeUndefined();
  });

  it('reads a week: text that does not parse or is not an array has no days', () => {
    expect(summarizeWeekText(JSON.stringify([day, null, { date: '20160618' }])).map((d) => d.date)).toEqual([
      '20160617',
      '20160618',
    ]);
    expect(summarizeWeekText('{')).toEqual([]);
    expect(summarizeWeekText('{"a":1}')).toEqual([]);
  });
});
