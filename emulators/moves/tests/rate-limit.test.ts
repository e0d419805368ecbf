// Minute and hour windows on the emulator clock, their reset, the new-token doubling, user vs app scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignClockOffset, api, startHarness, tokenFor, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(undefined, { minuteLimit: 5, hourLimit: 8 });
});
afterAll(() => h.em.close());

const remaining = (r: { headers: Headers }) => ({
  minute: Number(r.headers.get('x-ratelimit-minuteremaining')),
  hour: Number(r.headers.get('x-ratelimit-hourremaining')),
  minuteLimit: Number(r.headers.get('x-ratelimit-minutelimit')),
  hourLimit: Number(r.headers.get('x-ratelimit-hourlimit')),
});

describe('rate limits', () => {
  it('new tokens get double limits for an hour; minute window resets, hour window holds; 429 carries headers', async () => {
    // Align to the start of an hour window so neither window rolls over during the test.
    h.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000) });
    const { token } = await tokenFor(h.em, h.userId);
    const t = { em: h.em, token };
    const first = await api(t, '/api/1.1/user/profile');
    expect(remaining(first)).toEqual({ minute: 9, hour: 15, minuteLimit: 10, hourLimit: 16 });
    for (let i = 0; i < 9; i++) expect((await api(t, '/api/1.1/user/profile')).status).toBe(200);
    const limited = await api(t, '/api/1.1/user/profile');
    expect(limited.status).toBe(429);
    expect(remaining(limited)).toMatchObject({ minute: 0, hour: 6 });
    // Next minute: the minute quota is back, the hour quota is not.
    h.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000) + 60_000 });
    const next = await api(t, '/api/1.1/user/profile');
    expect(next.status).toBe(200);
    expect(remaining(next)).toMatchObject({ minute: 9, hour: 5 });
    for (let i = 0; i < 5; i++) await api(t, '/api/1.1/user/summary/daily/20160701');
    const hourSpent = await api(t, '/api/1.1/user/profile');
    expect(hourSpent.status).toBe(429);
    expect(remaining(hourSpent).hour).toBe(0);
    // Next hour, and the token is no longer new: normal limits, fresh windows.
    h.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000) + 3_660_000 });
    expect(remaining(await api(t, '/api/1.1/user/profile'))).toEqual({
      minute: 4,
      hour: 7,
      minuteLimit: 5,
      hourLimit: 8,
    });
  });

  it('windows shrink with the time scale', async () => {
    const local = await startHarness(undefined, { minuteLimit: 2, hourLimit: 100, timeScale: 6 });
    try {
      // One emulated minute = 10 real seconds; start half a second into one, so that the first two requests
      // share it even when the first is slow (a cold start on a loaded machine took over 500 ms).
      local.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000 / 6) });
      await api(local, '/api/1.1/user/profile');
      const r = await api(local, '/api/1.1/user/profile');
      expect(remaining(r).minute).toBe(2); // doubled: 4 - 2
      local.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000 / 6) + 10_000 });
      expect(remaining(await api(local, '/api/1.1/user/profile')).minute).toBe(3);
    } finally {
      await local.em.close();
    }
  });

  it('per-user buckets by default, one bucket per app when configured', async () => {
    const local = await startHarness(undefined, { minuteLimit: 50, hourLimit: 500 });
    try {
      local.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000) });
      const other = local.em.createUser({ firstDate: '20170101', timeZone: 'Europe/Berlin', seed: 8 });
      const o = { em: local.em, token: (await tokenFor(local.em, other.userId)).token };
      await api(local, '/api/1.1/user/profile');
      expect(remaining(await api(o, '/api/1.1/user/profile')).minute).toBe(99);
      local.em.configure({ rateScope: 'app' });
      await api(local, '/api/1.1/user/profile');
      expect(remaining(await api(o, '/api/1.1/user/profile')).minute).toBe(98);
    } finally {
      await local.em.close();
    }
  });

  it('304s count by default and can be configured not to', async () => {
    const local = await startHarness(undefined, { minuteLimit: 50, hourLimit: 500 });
    try {
      local.em.configure({ clockOffsetMs: alignClockOffset(0, 3_600_000) });
      const first = await api(local, '/api/1.1/user/profile');
      const etag = first.headers.get('etag')!;
      const counted = await api(local, '/api/1.1/user/profile', { 'if-none-match': etag });
      expect(counted.status).toBe(304);
      expect(remaining(counted).minute).toBe(remaining(first).minute - 1);
      local.em.configure({ behaviour: { countNotModified: false } });
      const free = await api(local, '/api/1.1/user/profile', { 'if-none-match': etag });
      expect(remaining(free).minute).toBe(remaining(counted).minute);
    } finally {
      await local.em.close();
    }
  });
});
