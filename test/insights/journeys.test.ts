// Journeys, places and the words of the history pages, from hand-made day summaries: pure functions only.
import { describe, expect, it } from 'vitest';
import { barChart } from '../../src/insights/bar-chart.ts';
import { formatDistance, formatDuration, localTimeWithZone } from '../../src/storyline/units.ts';
import { homeOf, journeysOf } from '../../src/insights/journeys.ts';
import { placesOf, visitSeconds } from '../../src/insights/places.ts';
import type { DayVisits } from '../../src/insights/service.ts';

const home = { key: 'm1', name: 'Home', type: 'home', lat: 52.52, lon: 13.405 };
const stay = (date: string, place: typeof home, from = '080000', to = '180000') => ({
  ...place,
  start: `${date}T${from}+0100`,
  end: `${date}T${to}+0100`,
});
const day = (date: string, visits: ReturnType<typeof stay>[]): DayVisits => ({
  date,
  visits,
  spots: [],
  flights: [],
});
const munich = { key: 'm2', name: 'Munich hotel', type: 'foursquare', lat: 48.14, lon: 11.58 };
const office = { key: 'm3', name: 'Office', type: 'work', lat: 52.5, lon: 13.3 };

describe('journeys', () => {
  const days = [
    day('20160101', [stay('20160101', home)]),
    day('20160102', [stay('20160102', munich)]),
    day('20160103', [
      stay('20160103', munich, '000000', '100000'),
      stay('20160103', home, '180000', '235959'),
    ]),
    day('20160104', [stay('20160104', office)]),
    day('20160110', [stay('20160110', munich)]),
  ];

  it('takes the home place with most time, and groups consecutive days away into journeys, newest first', () => {
    const places = placesOf(days);
    expect(homeOf(places)?.key).toBe('m1');
    const journeys = journeysOf(days, homeOf(places)!, new Map([['20160102', ['DE']]]));
    expect(journeys).toEqual([
      {
        from: '20160110',
        to: '20160110',
        days: 1,
        places: [{ key: 'm2', name: 'Munich hotel' }],
        countries: [],
      },
      {
        from: '20160102',
        to: '20160103',
        days: 2,
        places: [{ key: 'm2', name: 'Munich hotel' }],
        countries: ['DE'],
      },
    ]);
  });

  it('counts a stay over midnight once, with its days', () => {
    const night = { ...home, start: '20160101T200000+0100', end: '20160102T070000+0100' };
    const places = placesOf([day('20160101', [night]), day('20160102', [night])]);
    expect(places).toMatchObject([{ key: 'm1', visits: 1, seconds: 11 * 3600, first: '20160101' }]);
    expect(visitSeconds({ start: '20160610T092400+0100', end: '20160610T112500-0500' })).toBe(8 * 3600 + 60);
  });
});

describe('words and charts', () => {
  it('writes numbers with Intl, times with their zone', () => {
    expect(formatDistance(6_771_000)).toBe('6,771 km');
    expect(formatDistance(12_440)).toBe('12.4 km');
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3 h 20 min');
    expect(formatDuration(45 * 60)).toBe('45 min');
    expect(localTimeWithZone('20160610T112500-0500')).toBe('10 Jun 2016, 11:25 (UTC−05:00)');
    expect(localTimeWithZone('20160610T092400Z')).toBe('10 Jun 2016, 09:24 (UTC)');
    expect(localTimeWithZone(undefined)).toBe('unknown');
    expect(formatDistance(6_771_000, 'imperial')).toBe('4,207 mi');
    expect(formatDuration(1250 * 3600)).toBe('1,250 h');
    expect(localTimeWithZone('20160610T232500-0500', '12h')).toBe('10 Jun 2016, 11:25 pm (UTC−05:00)');
  });

  it('scales the bars to the largest value', () => {
    const c = barChart([0, 5, 10], ['a', 'b', 'c'], String);
    expect(c.bars.map((b) => b.height)).toEqual([0, (c.baseline - 24) / 2, c.baseline - 24]);
    expect(c.maxText).toBe('10');
    expect(barChart([0, 0], ['a', 'b'], String).bars.every((b) => b.height === 0)).toBe(true);
  });
});
