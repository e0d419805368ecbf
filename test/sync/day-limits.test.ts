// The per-day limits hold for every part of a day, keys included, at any depth; long names well within them are
// kept exactly; a date without an ISO week (year 0) is an invalid day, not a failure.
import { describe, expect, it } from 'vitest';
import { MAX_STRING_CHARS, screenDays } from '../../src/moves/day-limits.ts';
import { checkDayText } from '../../src/sync/day-validation.ts';

/** `inner` wrapped `depth` levels deep in objects and arrays. */
function nested(inner: unknown, depth: number): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { level: v };
  return v;
}

const dayWith = (extra: unknown) => JSON.stringify({ date: '20160616', segments: [], extra });

describe('per-day limits', () => {
  it('refuse a long key, at the top and deep down', () => {
    const longKey = 'k'.repeat(MAX_STRING_CHARS + 1);
    for (const depth of [0, 5, 25, 300]) {
      const c = checkDayText(dayWith(nested({ [longKey]: 1 }, depth)));
      expect({ depth, ...c }).toMatchObject({
        depth,
        ok: false,
        date: '20160616',
        reason: expect.stringMatching(/key is 10001 characters/),
      });
    }
  });

  it('refuse a long string value nested deeper than 20 levels', () => {
    const c = checkDayText(dayWith(nested('v'.repeat(MAX_STRING_CHARS + 1), 40)));
    expect(c).toMatchObject({ ok: false, reason: expect.stringMatching(/10001 characters/) });
    // Moves' own answers are screened the same way.
    const r = screenDays(`[${dayWith(nested({ ['k'.repeat(100_000)]: 1 }, 30))}]`);
    expect(r.rejected).toEqual([{ date: '20160616', reason: expect.stringMatching(/100000 characters/) }]);
  });

  it('keep a 3,000-character name, and escaped line and paragraph separators, exactly', () => {
    const text = `{"date":"20160616","segments":[{"type":"place","place":{"name":"${'n'.repeat(3000)}\\u2028\u2029"}}]}`;
    expect(checkDayText(text)).toEqual({ ok: true, date: '20160616' });
    expect(screenDays(`[${text}]`)).toEqual({ daysJson: `[${text}]`, rejected: [] });
  });

  it('a list of a million numbers is checked without overflowing anything', () => {
    const text = `{"date":"20160616","x":[${'1,'.repeat(1_000_000)}1],"k":"${'k'.repeat(MAX_STRING_CHARS + 1)}"}`;
    expect(checkDayText(text)).toMatchObject({ ok: false, reason: expect.stringMatching(/characters long/) });
  });

  it('a day nested 100,000 deep is refused by its size, not by a stack overflow', () => {
    const deep = `{"date":"20160616","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => checkDayText(deep)).not.toThrow();
  });
});

describe('dates without an ISO week', () => {
  it('00000101 is an invalid day with a reason, not an error', () => {
    expect(checkDayText('{"date":"00000101","segments":null}')).toEqual({
      ok: false,
      date: '00000101',
      reason: 'date is not a calendar date',
    });
    expect(checkDayText('{"date":"00010101","segments":null}')).toEqual({ ok: true, date: '00010101' });
  });
});
