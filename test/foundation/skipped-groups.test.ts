// A run without PostgreSQL or Chromium says so, once per group, instead of skipping in silence.
import { describe, expect, it } from 'vitest';
import { chromiumPath, skippedGroups } from '../support/skipped-groups.ts';

describe('tests skipped for what the machine lacks', () => {
  it('names the PostgreSQL tests when TEST_DATABASE_URL is not set, and how to include them', () => {
    const lines = skippedGroups({}, () => true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^PostgreSQL tests skipped: TEST_DATABASE_URL is not set/);
    expect(skippedGroups({ TEST_DATABASE_URL: 'postgres://x@h/db' }, () => true)).toEqual([]);
  });

  it('names the browser tests without Chromium, at the path CHROMIUM_PATH chooses', () => {
    const env = { TEST_DATABASE_URL: 'postgres://x@h/db', CHROMIUM_PATH: '/opt/chrome/chrome' };
    expect(chromiumPath(env)).toBe('/opt/chrome/chrome');
    expect(chromiumPath({})).toBe('/usr/bin/chromium');
    const lines = skippedGroups(env, (f) => f !== '/opt/chrome/chrome');
    expect(lines).toEqual([
      'browser tests skipped: no Chromium at /opt/chrome/chrome (apt-get install -y chromium, or set CHROMIUM_PATH)',
    ]);
  });
});
