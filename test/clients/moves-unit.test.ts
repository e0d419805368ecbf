// Pure parts of the Moves client: lossless ids, response schemas, rate headers, ISO weeks in the member's zone.
import { describe, expect, it } from 'vitest';
import { parseRateHeaders } from '../../src/moves/rate-headers.ts';
import { movesDayList, movesProfileResponse, movesTokenResponse } from '../../src/moves/schemas.ts';
import {
  currentWeek,
  datesOfWeek,
  isValidWeek,
  todayIn,
  weekIsComplete,
  weekOf,
  weekOfDate,
  weekRange,
} from '../../src/moves/weeks.ts';
import { UpstreamError } from '../../src/upstream/errors.ts';
import { parseBody, parseJsonLossless } from '../../src/upstream/json.ts';

const opts = { service: 'moves' as const, what: 'testing', lossless: true };

describe('lossless ids', () => {
  it('keeps user ids beyond 2^53 exact', () => {
    const text =
      '{"access_token":"a","token_type":"bearer","expires_in":15551998,"refresh_token":"r","user_id":23138311640030064}';
    // 23138311640030064 happens to be a double; its neighbour is not, and JSON.parse would round it.
    const odd = text.replace('23138311640030064', '23138311640030065');
    expect(String((JSON.parse(odd) as { user_id: number }).user_id)).not.toBe('23138311640030065');
    expect(parseBody(odd, movesTokenResponse, opts).user_id).toBe('23138311640030065');
    expect(parseBody(text, movesTokenResponse, opts).user_id).toBe('23138311640030064');
    const profile =
      '{"userId":20933782050890778,"profile":{"firstDate":"20160616","currentTimeZone":{"id":"America/Los_Angeles","offset":-25200}}}';
    expect(parseBody(profile, movesProfileResponse, opts).userId).toBe('20933782050890778');
    expect(
      parseBody(profile.replace('20933782050890778', '12345678'), movesProfileResponse, opts).userId,
    ).toBe('12345678');
  });

  it('keeps ordinary numbers as numbers', () => {
    expect(parseJsonLossless('{"a":2400.0,"b":-7,"c":1e3}')).toEqual({ a: 2400, b: -7, c: 1000 });
  });
});

describe('response schemas', () => {
  it('reads null in the profile’s optional fields as absent', () => {
    const profile =
      '{"userId":1,"profile":{"firstDate":"20160616","currentTimeZone":{"id":"Europe/Berlin","offset":null},"localization":null,"caloriesAvailable":null,"platform":null}}';
    expect(parseBody(profile, movesProfileResponse, opts).profile.currentTimeZone.id).toBe('Europe/Berlin');
  });

  it('rejects error bodies where a day list is expected', () => {
    for (const body of [
      '{"error":"invalid_token"}',
      '"expired_access_token"',
      'null',
      '[{"error":"x"}]',
      '["error"]',
    ]) {
      const err = (() => {
        try {
          parseBody(body, movesDayList, opts);
        } catch (e) {
          return e;
        }
      })();
      expect(err, body).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).retryable).toBe(true);
    }
    expect(() => parseBody('[{"date":"2016-06-16"}]', movesDayList, opts)).toThrow(/date/);
    expect(() => parseBody('not json', movesDayList, opts)).toThrow(/not valid JSON/);
  });

  it('accepts real day lists, including empty days', () => {
    const days = parseBody(
      '[{"date":"20160616","summary":null,"segments":null},{"date":"20160617","summary":[],"segments":[],"lastUpdate":"20170412T074118Z"}]',
      movesDayList,
      opts,
    );
    expect(days.map((d) => d.date)).toEqual(['20160616', '20160617']);
  });

  it('rejects token responses without a refresh token', () => {
    expect(() =>
      parseBody(
        '{"access_token":"a","token_type":"bearer","expires_in":1,"user_id":1}',
        movesTokenResponse,
        opts,
      ),
    ).toThrow(UpstreamError);
  });
});

describe('rate headers', () => {
  it('parses all four or nothing', () => {
    const h = new Headers({
      'X-RateLimit-HourLimit': '2000',
      'X-RateLimit-HourRemaining': '1984',
      'X-RateLimit-MinuteLimit': '60',
      'X-RateLimit-MinuteRemaining': '0',
    });
    expect(parseRateHeaders(h)).toEqual({
      hourLimit: 2000,
      hourRemaining: 1984,
      minuteLimit: 60,
      minuteRemaining: 0,
    });
    h.delete('X-RateLimit-MinuteRemaining');
    expect(parseRateHeaders(h)).toBeNull();
    h.set('X-RateLimit-MinuteRemaining', 'lots');
    expect(parseRateHeaders(h)).toBeNull();
  });
});

describe('ISO weeks', () => {
  it('zero-pads week numbers and handles year boundaries', () => {
    expect(weekOf('20160203')).toBe('2016-W05');
    expect(weekOf('20160101')).toBe('2015-W53'); // Friday 1 Jan 2016 belongs to 2015's last week
    expect(weekOf('20141229')).toBe('2015-W01'); // Monday 29 Dec 2014 starts 2015-W01
    expect(weekOf('2016-06-16')).toBe('2016-W24');
    expect(datesOfWeek('2015-W53')).toEqual([
      '20151228',
      '20151229',
      '20151230',
      '20151231',
      '20160101',
      '20160102',
      '20160103',
    ]);
    expect(datesOfWeek('2016-W24')[0]).toBe('20160613');
    expect(isValidWeek('2015-W53')).toBe(true);
    expect(isValidWeek('2016-W53')).toBe(false);
    expect(isValidWeek('2016-W5')).toBe(false);
    expect(weekRange('2015-W53', '2016-W01')[1]).toBe('2016-W01');
  });

  it('lists every week from firstDate to today', () => {
    expect(weekRange(weekOfDate('20151230'), weekOfDate('20160112'))).toEqual([
      '2015-W53',
      '2016-W01',
      '2016-W02',
    ]);
    expect(weekRange(weekOfDate('20160616'), weekOfDate('20160616'))).toEqual(['2016-W24']);
    expect(weekRange(weekOfDate('20130101'), weekOfDate('20180101'))).toHaveLength(262);
  });

  it('uses the member zone for today, the current week and completeness', () => {
    // Sunday 2016-01-10 23:30 in Los Angeles is already Monday 2016-01-11 in UTC and in Berlin.
    const now = Date.UTC(2016, 0, 11, 7, 30);
    expect(todayIn('America/Los_Angeles', now)).toBe('20160110');
    expect(todayIn('Europe/Berlin', now)).toBe('20160111');
    expect(currentWeek('America/Los_Angeles', now)).toBe('2016-W01');
    expect(currentWeek('Europe/Berlin', now)).toBe('2016-W02');
    expect(weekIsComplete('2016-W01', 'America/Los_Angeles', now)).toBe(false);
    expect(weekIsComplete('2016-W01', 'Europe/Berlin', now)).toBe(true);
    expect(weekIsComplete('2015-W53', 'America/Los_Angeles', now)).toBe(true);
    expect(weekOf(new Date(now), 'America/Los_Angeles')).toBe('2016-W01');
    expect(weekOf(new Date(now), 'Pacific/Kiritimati')).toBe('2016-W02');
    expect(() => currentWeek('Not/AZone', now)).toThrow(/time zone/);
  });
});
