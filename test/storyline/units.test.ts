import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatDistance,
  prefsFromAcceptLanguage,
  prefsFromMoves,
  resolvePrefs,
  weekdayOrder,
} from '../../src/storyline/units.ts';

const AUTO = { units: null, weekStart: null, clock: null } as const;

describe('units and locale', () => {
  it('formats distances with Intl, without a decimal on long ones', () => {
    expect(formatDistance(6_771_043)).toBe('6,771 km');
    expect(formatDistance(6_771_043, 'imperial')).toBe('4,207 mi');
    expect(formatDistance(4656)).toBe('4.7 km');
    expect(formatDistance(4656, 'imperial')).toBe('2.9 mi');
    expect(formatDistance(850)).toBe('850 m');
    expect(formatDistance(100, 'imperial')).toBe('328 ft');
  });

  it('reads units, first weekday and clock from Accept-Language', () => {
    expect(prefsFromAcceptLanguage('en-US,en;q=0.9')).toEqual({
      units: 'imperial',
      weekStart: 7,
      clock: '12h',
    });
    expect(prefsFromAcceptLanguage('de-DE,de;q=0.9,en;q=0.8')).toEqual({
      units: 'metric',
      weekStart: 1,
      clock: '24h',
    });
    // The highest q wins, whatever the order.
    expect(prefsFromAcceptLanguage('fr;q=0.5, en-US;q=0.9')?.units).toBe('imperial');
    expect(prefsFromAcceptLanguage('*')).toBeUndefined();
    expect(prefsFromAcceptLanguage('%%%')).toBeUndefined();
  });

  it("follows the Moves profile's localization before the browser, and the member's choice before both", () => {
    // The recorded 2016 profile: en_DE, firstWeekDay 2 (Monday), metric false.
    const moves = { language: 'en-DE', locale: 'en_DE', firstWeekDay: 2, metric: false };
    expect(prefsFromMoves(moves)).toMatchObject({ units: 'imperial', weekStart: 1 });
    const r = resolvePrefs(AUTO, moves, 'en-US');
    expect(r.prefs).toMatchObject({ units: 'imperial', weekStart: 1 });
    expect(r.sources).toEqual({ units: 'moves', weekStart: 'moves', clock: 'moves' });
    const chosen = resolvePrefs({ units: 'metric', weekStart: null, clock: '12h' }, moves, 'en-US');
    expect(chosen.prefs).toEqual({ units: 'metric', weekStart: 1, clock: '12h' });
    expect(chosen.sources.units).toBe('chosen');
    expect(resolvePrefs(AUTO, null, undefined).sources.units).toBe('default');
    expect(resolvePrefs(AUTO, null, 'en-US').sources.units).toBe('browser');
  });

  it('shows clock readings and weekday order in the chosen format', () => {
    const t = DateTime.fromISO('2016-06-14T14:05:00', { zone: 'UTC' });
    expect(formatClock(t, '24h')).toBe('14:05');
    expect(formatClock(t, '12h')).toBe('2:05 pm');
    expect(weekdayOrder(7)).toEqual([7, 1, 2, 3, 4, 5, 6]);
    expect(weekdayOrder(1)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
