// The data API over real HTTP: shapes, periods, 400s, caching headers, scopes, auth failures.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSummary } from '../summary.ts';
import type { StorylineDayJson } from '../projections.ts';
import { api, parse, post, startHarness, tokenFor, type Harness } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    firstDate: '20160616',
    timeZone: 'America/Los_Angeles',
    seed: 42,
    userId: '23138311640030064',
  });
});
afterAll(() => h.em.close());

describe('profile', () => {
  it('has the recorded shape, a bare 64-bit userId and no Last-Modified', async () => {
    const r = await api(h, '/api/1.1/user/profile');
    expect(r.status).toBe(200);
    expect(r.text).toMatch(
      /^\{"userId":23138311640030064,"profile":\{"firstDate":"20160616","currentTimeZone":\{"id":"America\/Los_Angeles","offset":-2(5200|8800)\},"localization":\{"language":"[^"]+","locale":"[^"]+","firstWeekDay":[12],"metric":(true|false)\},"caloriesAvailable":(true|false),"platform":"(ios|android)"\}\}$/,
    );
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('server')).toBe('nginx');
    expect(r.headers.get('etag')).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(r.headers.get('last-modified')).toBeNull();
    expect(r.headers.get('x-ratelimit-minuteremaining')).not.toBeNull();
  });
});

describe('storyline', () => {
  it('a real-format week with track points: days omitted before firstDate, summaries equal activities', async () => {
    const r = await api(h, '/api/1.1/user/storyline/daily/2016-W24?trackPoints=true');
    expect(r.status).toBe(200);
    const days = parse<StorylineDayJson[]>(r.text);
    expect(days.map((d) => d.date)).toEqual(['20160616', '20160617', '20160618', '20160619']);
    for (const d of days) {
      if (!d.segments) continue;
      expect(d.summary).toEqual(computeSummary(d.segments.flatMap((s) => s.activities ?? [])));
      for (const s of d.segments) {
        expect(s.startTime).toMatch(/^\d{8}T\d{6}-0700$/);
        expect(s.lastUpdate).toMatch(/^\d{8}T\d{6}Z$/);
        for (const a of s.activities ?? []) {
          expect(Array.isArray(a.trackPoints)).toBe(true);
          if (s.type === 'place') expect(a.trackPoints).toEqual([]);
        }
      }
    }
    expect(r.text).toMatch(/"duration":\d+\.0[,}]/);
    const newest = days
      .map((d) => d.lastUpdate)
      .filter(Boolean)
      .sort()
      .at(-1)!;
    const iso = newest.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z');
    expect(r.headers.get('last-modified')).toBe(new Date(iso).toUTCString());
  });

  it('the next week is Monday..Sunday; day, range and month selectors agree with it', async () => {
    const week = parse<StorylineDayJson[]>((await api(h, '/api/1.1/user/storyline/daily/2016-W25')).text);
    expect(week.map((d) => d.date)).toEqual([
      '20160620',
      '20160621',
      '20160622',
      '20160623',
      '20160624',
      '20160625',
      '20160626',
    ]);
    const range = parse<StorylineDayJson[]>(
      (await api(h, '/api/1.1/user/storyline/daily?from=2016-06-20&to=20160626')).text,
    );
    expect(range).toEqual(week);
    const day = parse<StorylineDayJson[]>((await api(h, '/api/1.1/user/storyline/daily/2016-06-22')).text);
    expect(day).toEqual([week[2]]);
    const month = parse<StorylineDayJson[]>((await api(h, '/api/1.1/user/storyline/daily/201606')).text);
    expect(month.map((d) => d.date)[0]).toBe('20160616');
    expect(month).toHaveLength(15);
  });

  it('activities, places and summary are projections of the storyline', async () => {
    const story = parse<StorylineDayJson[]>(
      (await api(h, '/api/1.1/user/storyline/daily/20160621')).text,
    )[0]!;
    const acts = parse<StorylineDayJson[]>(
      (await api(h, '/api/1.1/user/activities/daily/20160621')).text,
    )[0]!;
    const places = parse<StorylineDayJson[]>((await api(h, '/api/1.1/user/places/daily/20160621')).text)[0]!;
    const summary = parse<StorylineDayJson[]>(
      (await api(h, '/api/1.1/user/summary/daily/20160621')).text,
    )[0]!;
    expect(acts.summary).toEqual(story.summary);
    expect(summary.summary).toEqual(story.summary);
    expect(Object.keys(summary)).not.toContain('segments');
    expect(acts.segments!.every((s) => !s.place && s.activities!.every((a) => !a.trackPoints))).toBe(true);
    expect(places.segments!.every((s) => s.type === 'place' && s.place && !s.activities)).toBe(true);
    expect(Object.keys(places)).not.toContain('summary');
  });

  it('updatedSince returns only days changed after the stamp (both formats)', async () => {
    const days = parse<StorylineDayJson[]>((await api(h, '/api/1.1/user/storyline/daily/2016-W25')).text);
    const stamps = days.map((d) => d.lastUpdate!).sort();
    const mid = stamps[3]!;
    const compact = parse<StorylineDayJson[]>(
      (await api(h, `/api/1.1/user/storyline/daily/2016-W25?updatedSince=${mid}`)).text,
    );
    expect(compact.length).toBe(stamps.filter((s) => s > mid).length);
    const iso = mid.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6.000Z');
    const extended = parse<StorylineDayJson[]>(
      (await api(h, `/api/1.1/user/storyline/daily/2016-W25?updatedSince=${iso}`)).text,
    );
    expect(extended).toEqual(compact);
  });

  it('timeZone moves day boundaries and offsets', async () => {
    const r = await api(h, '/api/1.1/user/storyline/daily/20160621?timeZone=Europe/Berlin');
    expect(r.text).toMatch(/T\d{6}\+0200"/);
    expect(r.text).not.toMatch(/-0700"/);
  });
});

describe('400s', () => {
  it.each([
    ['a month with track points', '/api/1.1/user/storyline/daily/2016-07?trackPoints=true'],
    ['a malformed date', '/api/1.1/user/storyline/daily/2013904'],
    ['an impossible date', '/api/1.1/user/summary/daily/20160231'],
    ['a week before firstDate', '/api/1.1/user/storyline/daily/2016-W23'],
    ['a day before firstDate', '/api/1.1/user/places/daily/20160615'],
    ['a day after today', '/api/1.1/user/places/daily/20990101'],
    ['32 days', '/api/1.1/user/summary/daily?from=20160701&to=20160801'],
    ['8 days with track points', '/api/1.1/user/storyline/daily?from=20160701&to=20160708&trackPoints=true'],
    ['pastDays over 31', '/api/1.1/user/summary/daily?pastDays=32'],
    ['from without to', '/api/1.1/user/summary/daily?from=20160701'],
    ['bad updatedSince', '/api/1.1/user/summary/daily/20160701?updatedSince=yesterday'],
    ['bad timeZone', '/api/1.1/user/summary/daily/20160701?timeZone=Mars/Olympus'],
    ['bad trackPoints', '/api/1.1/user/storyline/daily/20160701?trackPoints=yes'],
  ])('%s', async (_name, path) => {
    const r = await api(h, path);
    expect(r.status).toBe(400);
    expect(r.headers.get('x-ratelimit-hourremaining')).not.toBeNull();
  });

  it('31 days and 7 days with track points are fine', async () => {
    expect((await api(h, '/api/1.1/user/summary/daily?from=20160701&to=20160731')).status).toBe(200);
    expect(
      (await api(h, '/api/1.1/user/storyline/daily?from=20160701&to=20160707&trackPoints=true')).status,
    ).toBe(200);
    const past = parse<unknown[]>((await api(h, '/api/1.1/user/summary/daily?pastDays=3')).text);
    expect(past).toHaveLength(3);
  });
});

describe('caching and encoding', () => {
  it('304 on a matching If-None-Match, with the rate headers', async () => {
    const first = await api(h, '/api/1.1/user/storyline/daily/2016-W26');
    const etag = first.headers.get('etag')!;
    const again = await api(h, '/api/1.1/user/storyline/daily/2016-W26', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('x-ratelimit-minuteremaining')).not.toBeNull();
    const other = await api(h, '/api/1.1/user/storyline/daily/2016-W26', { 'if-none-match': 'W/"0000"' });
    expect(other.status).toBe(200);
  });

  it('gzip when asked, ETag of the uncompressed body', async () => {
    const res = await fetch(`${h.em.url}/api/1.1/user/summary/daily/201607`, {
      headers: { authorization: `Bearer ${h.token}`, 'accept-encoding': 'gzip' },
    });
    // fetch decodes transparently; check the headers and that the decoded body is the plain one.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    const text = await res.text();
    const plain = await api(h, '/api/1.1/user/summary/daily/201607');
    expect(text).toBe(plain.text);
    expect(res.headers.get('etag')).toBe(plain.headers.get('etag'));
    expect(typeof gunzipSync).toBe('function');
  });
});

describe('auth and scopes', () => {
  it('access_token query parameter works like the header', async () => {
    const r = await api({ em: h.em }, `/api/1.1/user/profile?access_token=${h.token}`);
    expect(r.status).toBe(200);
  });

  it('401 for missing, unknown and revoked tokens', async () => {
    expect((await api({ em: h.em }, '/api/1.1/user/profile')).status).toBe(401);
    const unknown = await api({ em: h.em, token: 'x'.repeat(64) }, '/api/1.1/user/profile');
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe('expired_access_token');
    const { userId } = h.em.createUser({ firstDate: '20170101', timeZone: 'Europe/Berlin', seed: 3 });
    const { token } = await tokenFor(h.em, userId);
    expect((await api({ em: h.em, token }, '/api/1.1/user/profile')).status).toBe(200);
    await post(h.em, `/_control/users/${userId}/revoke`, {});
    const revoked = await api({ em: h.em, token }, '/api/1.1/user/profile');
    expect(revoked.status).toBe(401);
    expect(revoked.text).toBe('expired_access_token');
    expect(revoked.headers.get('x-ratelimit-hourlimit')).not.toBeNull();
  });

  it('scopes: storyline needs activity and location', async () => {
    const { token } = await tokenFor(h.em, h.userId, 'activity');
    expect((await api({ em: h.em, token }, '/api/1.1/user/summary/daily/20160701')).status).toBe(200);
    expect((await api({ em: h.em, token }, '/api/1.1/user/places/daily/20160701')).status).toBe(403);
    expect((await api({ em: h.em, token }, '/api/1.1/user/storyline/daily/20160701')).status).toBe(403);
  });

  it('/activities lists the catalog; unknown paths are 404', async () => {
    const r = await api(h, '/api/1.1/activities');
    const list = JSON.parse(r.text) as Array<{ activity: string; geo: boolean; color: string }>;
    expect(list).toHaveLength(88);
    expect(list[0]).toEqual({
      activity: 'walking',
      group: 'walking',
      geo: true,
      place: true,
      color: '00d55a',
      units: 'steps,distance,duration,calories',
    });
    expect(list.find((a) => a.activity === 'zumba')).toEqual({
      activity: 'zumba',
      geo: false,
      place: true,
      color: 'fa5788',
      units: 'duration,calories',
    });
    expect((await api(h, '/api/1.1/user/nothing/daily')).status).toBe(404);
    expect((await api(h, '/nope')).status).toBe(404);
  });
});

describe('recorded 2018 traffic', () => {
  it('one-digit ISO weeks (2016-W1) are answered like zero-padded ones (2016-W01)', async () => {
    const { userId } = h.em.createUser({ firstDate: '20151201', timeZone: 'America/Los_Angeles', seed: 8 });
    const { token } = await tokenFor(h.em, userId);
    const padded = await api({ em: h.em, token }, '/api/1.1/user/storyline/daily/2016-W01?trackPoints=true');
    const short = await api({ em: h.em, token }, '/api/1.1/user/storyline/daily/2016-W1?trackPoints=true');
    expect(padded.status).toBe(200);
    expect(short.status).toBe(200);
    expect(short.text).toBe(padded.text);
    expect(parse<StorylineDayJson[]>(short.text).map((d) => d.date)).toEqual([
      '20160104',
      '20160105',
      '20160106',
      '20160107',
      '20160108',
      '20160109',
      '20160110',
    ]);
    const nine = await api({ em: h.em, token }, '/api/1.1/user/summary/daily/2016-W9');
    expect(nine.text).toBe((await api({ em: h.em, token }, '/api/1.1/user/summary/daily/2016-W09')).text);
    for (const bad of ['2016-W001', '2016-W0', '2016-W54'])
      expect((await api({ em: h.em, token }, `/api/1.1/user/summary/daily/${bad}`)).status).toBe(400);
  });

  it('/activities answers without a token by default; the behaviour switch still requires one', async () => {
    const withToken = await api(h, '/api/1.1/activities');
    const without = await api({ em: h.em }, '/api/1.1/activities');
    expect(without.status).toBe(200);
    expect(without.text).toBe(withToken.text);
    await post(h.em, '/_control/config', { behaviour: { activitiesRequireAuth: true } });
    try {
      const refused = await api({ em: h.em }, '/api/1.1/activities');
      expect(refused.status).toBe(401);
      expect(refused.text).toBe('missing_access_token');
    } finally {
      await post(h.em, '/_control/config', { behaviour: { activitiesRequireAuth: false } });
    }
  });

  it('the day of firstDate is empty with null summary and segments, unless emptyFirstDate is off', async () => {
    const path = '/api/1.1/user/storyline/daily/20160616?trackPoints=true';
    expect((await api(h, path)).text).toBe('[{"date":"20160616","summary":null,"segments":null}]');
    await post(h.em, '/_control/config', { behaviour: { emptyFirstDate: false } });
    try {
      const day = parse<StorylineDayJson[]>((await api(h, path)).text)[0]!;
      expect(day.segments?.length).toBeGreaterThan(0);
    } finally {
      await post(h.em, '/_control/config', { behaviour: { emptyFirstDate: true } });
    }
  });
});

describe('control edit', () => {
  it('changes a past day, bumps lastUpdate and shows up in updatedSince', async () => {
    const before = await api(h, '/api/1.1/user/storyline/daily/20160705');
    const since = new Date().toISOString();
    const r = await post(h.em, `/_control/users/${h.userId}/edit`, { date: '2016-07-05' });
    expect(r.status).toBe(200);
    const after = await api(h, '/api/1.1/user/storyline/daily/20160705');
    expect(after.text).not.toBe(before.text);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const changed = parse<StorylineDayJson[]>(
      (await api(h, `/api/1.1/user/storyline/daily/2016-W27?updatedSince=${since}`)).text,
    );
    expect(changed.map((d) => d.date)).toEqual(['20160705']);
  });
});

describe('storylineAtMs (benchmarks)', () => {
  it('serves the storyline as it stood at that instant while the clock runs on', async () => {
    // A morning of the user's third day, in their zone (America/Los_Angeles): that day is "today" then.
    const day = '/api/1.1/user/storyline/daily/20160618';
    const morning = Date.parse('2016-06-18T09:00:00-07:00');
    h.em.configure({ storylineAtMs: morning });
    try {
      const first = await api(h, day);
      await new Promise((r) => setTimeout(r, 1100));
      const again = await api(h, day);
      expect(first.status).toBe(200);
      expect(again.text).toBe(first.text);
      h.em.configure({ storylineAtMs: morning + 10 * 3_600_000 });
      const evening = await api(h, day);
      const segments = (t: string) => parse<StorylineDayJson[]>(t)[0]!.segments?.length ?? 0;
      expect(segments(evening.text)).toBeGreaterThan(segments(first.text));
    } finally {
      h.em.configure({ storylineAtMs: null });
    }
  });
});
