// The day view's timeline: times in the member's Moves zone (or as recorded), dates added for times on another
// day, durations and distances in words, and days Moves left empty.
import { describe, expect, it } from 'vitest';
import { dayHasData, readDay } from '../../src/storyline/day.ts';
import { buildTimeline } from '../../src/storyline/timeline.ts';
import { formatDistance, formatDuration } from '../../src/storyline/units.ts';

const day = readDay({
  date: '20160617',
  summary: [
    { activity: 'walking', group: 'walking', duration: 46.0, distance: 35.0, steps: 70 },
    { activity: 'car', group: 'transport', duration: 101.0, distance: 1018.0 },
  ],
  segments: [
    {
      type: 'place',
      startTime: '20160616T235148-0700',
      endTime: '20160617T093531-0700',
      place: { id: 1, type: 'work', location: { lat: 50.17, lon: 8.62 } },
    },
    {
      type: 'move',
      startTime: '20160617T093531-0700',
      endTime: '20160617T093712-0700',
      activities: [
        {
          activity: 'car',
          group: 'transport',
          manual: true,
          startTime: '20160617T093531-0700',
          endTime: '20160617T093712-0700',
          duration: 101.0,
          distance: 1018.0,
        },
      ],
    },
    { type: 'place', startTime: '20160617T093732-0700', place: { id: 2, type: 'unknown' } },
  ],
})!;

describe('the day timeline', () => {
  it('shows times in the member’s zone, with the date when it is another day', () => {
    const t = buildTimeline(day, 'America/Los_Angeles');
    expect(t.items[0]).toMatchObject({
      kind: 'place',
      name: 'Work',
      named: true,
      arrival: '16 Jun, 23:51',
      departure: '09:35',
    });
    expect(t.items[1]).toEqual({
      kind: 'move',
      span: '09:35 to 09:37',
      activities: [{ label: 'car', group: 'transport', span: '09:35 to 09:37', facts: '2 min, 1.0 km' }],
    });
    expect(t.items[2]).toMatchObject({
      name: 'Unnamed place',
      named: false,
      arrival: '09:37',
      departure: '',
    });
    expect(t.totals).toEqual({ steps: 70, groups: ['Walking: 35 m in 46 s', 'Car: 1.0 km in 2 min'] });
  });

  it('converts to another zone, and keeps the recorded offsets without a (valid) zone', () => {
    expect(buildTimeline(day, 'Europe/Berlin').items[0]).toMatchObject({
      arrival: '08:51',
      departure: '18:35',
    });
    expect(buildTimeline(day, undefined).items[1]).toMatchObject({ span: '09:35 to 09:37' });
    expect(buildTimeline(day, 'Not/AZone').items[1]).toMatchObject({ span: '09:35 to 09:37' });
  });

  it('a day with summary and segments null is valid and has no data', () => {
    const empty = readDay({ date: '20160616', summary: null, segments: null })!;
    expect(dayHasData(empty)).toBe(false);
    expect(buildTimeline(empty, 'Europe/Berlin')).toEqual({ items: [], totals: { steps: 0, groups: [] } });
  });

  it('a move whose ends were recorded at different offsets shows both local times with their offsets', () => {
    const flight = readDay({
      date: '20170310',
      segments: [
        {
          type: 'move',
          startTime: '20170310T092400+0100',
          endTime: '20170310T112500-0500',
          activities: [
            {
              activity: 'airplane',
              group: 'transport',
              startTime: '20170310T092400+0100',
              endTime: '20170310T112500-0500',
              duration: 28860,
            },
          ],
        },
        {
          type: 'place',
          startTime: '20170310T113000-0500',
          endTime: '20170310T120000-0500',
          place: { id: 9, name: 'JFK' },
        },
      ],
    })!;
    const t = buildTimeline(flight, 'Europe/Berlin');
    expect(t.items[0]).toEqual({
      kind: 'move',
      span: '09:24 UTC+01:00 to 11:25 UTC-05:00',
      activities: [
        {
          label: 'airplane',
          group: 'transport',
          span: '09:24 UTC+01:00 to 11:25 UTC-05:00',
          facts: '8 h 1 min',
        },
      ],
    });
    // Both ends at one offset: the member's zone, as before.
    expect(t.items[1]).toMatchObject({ arrival: '17:30', departure: '18:00' });
  });

  it('shows at most 200 characters of a name, never cutting a character in two', () => {
    const name = `${'a'.repeat(199)}😀${'b'.repeat(3000)}`;
    const long = readDay({ date: '20160616', segments: [{ type: 'place', place: { name } }] })!;
    const shownName = (buildTimeline(long, undefined).items[0] as { name: string }).name;
    expect(shownName).toBe(`${'a'.repeat(199)}😀…`);
  });

  it('words for durations and distances', () => {
    expect([formatDuration(30), formatDuration(90), formatDuration(3600), formatDuration(4980)]).toEqual([
      '30 s',
      '2 min',
      '1 h',
      '1 h 23 min',
    ]);
    expect([formatDistance(35), formatDistance(999.6), formatDistance(4656)]).toEqual([
      '35 m',
      '1.0 km',
      '4.7 km',
    ]);
  });
});
