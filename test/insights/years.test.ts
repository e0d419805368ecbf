// The years page sums a member's days once per change: the insights service hands out the same day list while
// the member's rows are unchanged, and the years of a list are kept with it.
import { describe, expect, it } from 'vitest';
import type { DayTotals } from '../../src/insights/service.ts';
import { yearSummaries } from '../../src/insights/years.ts';

const day = (date: string, steps: number): DayTotals => ({
  date,
  hasData: true,
  groups: { walking: { distance: 100, duration: 60, steps, calories: 0 } },
  moves: [],
  countries: ['DE'],
});

describe('year summaries', () => {
  it('are summed once per day list, and again for a new list', () => {
    const days = [day('20150101', 10), day('20160101', 20), day('20160102', 5)];
    const years = yearSummaries(days);
    expect(years.map((y) => y.year)).toEqual([2016, 2015]);
    expect(yearSummaries(days)).toBe(years);
    const changed = [...days, day('20170101', 1)];
    expect(yearSummaries(changed)).not.toBe(years);
    expect(yearSummaries(changed).map((y) => y.year)).toEqual([2017, 2016, 2015]);
  });
});
