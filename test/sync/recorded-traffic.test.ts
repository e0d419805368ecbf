// Replays a short, realistic history with every irregularity of recorded 2018 traffic (1 s segment-end and
// track-point overhangs, 1 s gaps between activities, the empty firstDate day, recorded density) through the
// whole path: Moves emulator → sync → published file (days byte-identical to what Moves served) → seeding from
// that file and importing it as an archive (the same weeks again) → the map data, the calendar, the day view, the
// GPX and GeoJSON downloads and the dashboard.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMovesAccessToken, getOhAccessToken } from '../../src/accounts/index.ts';
import { importArchive } from '../../src/archive/index.ts';
import { storedWeeks } from '../../src/db/schema.ts';
import { currentWeek, weekOfDate, weekRange } from '../../src/moves/weeks.ts';
import { arrayInner } from '../../src/sync/file-assembly.ts';
import { uploadLegacyStoryline } from '../support/legacy-file.ts';
import { STORYLINE_FILENAME } from '../../src/sync/publish.ts';
import { seedFromOpenHumans } from '../../src/sync/seed.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import { buildWebApp } from '../../src/web/app.ts';
import type { TestContext } from '../support/context.ts';
import { geojsonProblems, gpxSchemaErrors } from '../support/geo-formats.ts';
import { sessionCookie } from '../web/support.ts';
import { addMember, createSyncContext, daysAgo, startUpstreams, type Upstreams } from './harness.ts';
import { formatMovesDay } from '../../src/util/time-words.ts';

const ZONE = 'America/Los_Angeles';
const SEED = 11;

interface Activity {
  startTime?: string;
  endTime?: string;
  trackPoints?: { lat: number; lon: number; time: string }[];
}
interface Day {
  date: string;
  summary: { steps?: number }[] | null;
  segments: { type: string; endTime: string; activities?: Activity[] }[] | null;
}

/** Seconds of a Moves local time (…T045244-0700); only differences matter here. */
const secs = (t: string) =>
  Date.parse(t.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)/, '$1-$2-$3T$4:$5:$6')) / 1000;

/** The irregularities in a day list, counted the way they were recorded. */
function irregularities(days: Day[]) {
  const c = { emptyDays: 0, movesEndingLate: 0, lastFixLate: 0, gaps: 0 };
  for (const d of days) {
    if (d.summary === null && d.segments === null) c.emptyDays++;
    for (const s of d.segments ?? []) {
      const acts = s.activities ?? [];
      for (const a of acts) {
        const last = a.trackPoints?.at(-1);
        if (last && a.endTime && secs(last.time) - secs(a.endTime) === 1) c.lastFixLate++;
      }
      if (s.type !== 'move') continue;
      const end = acts.at(-1)?.endTime;
      if (end && secs(s.endTime) - secs(end) === 1) c.movesEndingLate++;
      for (let i = 1; i < acts.length; i++)
        if (secs(acts[i]!.startTime!) - secs(acts[i - 1]!.endTime!) === 1) c.gaps++;
    }
  }
  return c;
}

let up: Upstreams;
let ctx: TestContext;
let app: FastifyInstance;
let dir: string;

beforeAll(async () => {
  up = await startUpstreams({ timeScale: 60 });
  ctx = await createSyncContext(up, 'pglite', { MOVES_TIME_SCALE: '60' });
  app = await buildWebApp(ctx);
  await app.ready();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recorded-traffic-'));
});
afterAll(async () => {
  await app?.close();
  await ctx?.close();
  await up?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The member's stored weeks, each with its text as the week store gives it back. */
async function weeksOf(memberId: number) {
  const rows = await ctx.db
    .select({ week: storedWeeks.week, dayCount: storedWeeks.dayCount })
    .from(storedWeeks)
    .where(eq(storedWeeks.memberId, memberId))
    .orderBy(asc(storedWeeks.week));
  return Promise.all(
    rows.map(async (r) => ({ ...r, daysJson: (await ctx.weeks.daysOf(memberId, r.week))! })),
  );
}

describe('recorded 2018 traffic through the whole path', () => {
  it('syncs, publishes byte-identical days, seeds and imports them again; map, calendar, day view, downloads and status render them', async () => {
    const firstDate = daysAgo(16);
    const m = await addMember(ctx, up, { firstDate, timeZone: ZONE, seed: SEED });
    const run = await runSyncJob(ctx, { memberId: m.memberId, reason: 'connect' });
    expect(run.outcome).toBe('completed');

    // What Moves served, week by week, as raw text.
    const { accessToken } = await getMovesAccessToken(ctx, m.memberId);
    const served: string[] = [];
    for (const w of weekRange(weekOfDate(firstDate), currentWeek(ZONE, ctx.clock.date())))
      served.push((await ctx.moves.storylineWeek(accessToken, w)).daysJson);
    const servedDays = served.flatMap((w) => JSON.parse(w) as Day[]);

    // The day set holds every irregularity.
    const found = irregularities(servedDays);
    expect(servedDays[0]).toEqual({ date: firstDate, summary: null, segments: null });
    expect(found.emptyDays).toBeGreaterThanOrEqual(1);
    expect(found.movesEndingLate).toBeGreaterThanOrEqual(1);
    expect(found.lastFixLate).toBeGreaterThanOrEqual(1);
    expect(found.gaps).toBeGreaterThanOrEqual(1);

    // The published file: exactly the served days, byte for byte, in order.
    const ohToken = await getOhAccessToken(ctx, m.memberId);
    const [file] = (await ctx.openHumans.exchangeMember(ohToken)).files.filter(
      (f) => f.basename === STORYLINE_FILENAME,
    );
    const chunks: Buffer[] = [];
    for await (const c of await ctx.openHumans.download(file!.downloadUrl)) chunks.push(c as Buffer);
    const published = Buffer.concat(chunks).toString('utf8');
    expect(published).toBe(
      `[${served
        .map((w) => arrayInner(Buffer.from(w)).toString())
        .filter(Boolean)
        .join(',')}]`,
    );
    expect(published.startsWith(`[{"date":"${firstDate}","summary":null,"segments":null},`)).toBe(true);
    const stored = await weeksOf(m.memberId);
    expect(stored.map((w) => w.daysJson)).toEqual(served);

    // A member of the original app whose Open Humans file is this one: seeding stores the same weeks.
    const legacy = await addMember(ctx, up, { firstDate, timeZone: ZONE, seed: SEED + 1 });
    const legacyToken = await getOhAccessToken(ctx, legacy.memberId);
    await uploadLegacyStoryline(ctx, legacyToken, published);
    const seeded = await seedFromOpenHumans(ctx, legacy.memberId, legacyToken, { timeZone: ZONE });
    expect(seeded).toMatchObject({ seeded: true, invalid: 0, days: servedDays.length });
    expect((await weeksOf(legacy.memberId)).map((w) => w.daysJson)).toEqual(served);

    // The same file handed in as an export archive (a bare storyline JSON array): the same weeks again.
    const importer = await addMember(ctx, up, { firstDate, timeZone: ZONE, seed: SEED + 2 });
    const archive = path.join(dir, 'storyline.json');
    fs.writeFileSync(archive, published);
    const report = await importArchive(ctx, { ohMemberId: importer.ohMemberId, file: archive });
    expect(report).toMatchObject({ skipped: 0, daysRead: servedDays.length, added: servedDays.length });
    expect((await weeksOf(importer.memberId)).map((w) => w.daysJson)).toEqual(served);

    const cookie = sessionCookie(app, { memberId: m.memberId });

    // The map: the newest 7 days with data, every track with its last fix (1 s late ones included).
    const mapRes = await app.inject({ method: 'GET', url: '/dashboard/map.json', headers: { cookie } });
    expect(mapRes.statusCode).toBe(200);
    const map = mapRes.json<{
      from: string;
      to: string;
      tracks: { date: string; points: [number, number][] }[];
    }>();
    const withData = servedDays.filter((d) => (d.segments?.length ?? 0) > 0);
    const recent = withData.slice(-7);
    expect([map.from, map.to]).toEqual([recent[0]!.date, recent.at(-1)!.date]);
    const expectedTracks = recent.flatMap((d) =>
      (d.segments ?? []).flatMap((s) =>
        (s.activities ?? [])
          .filter((a) => (a.trackPoints?.length ?? 0) >= 2)
          .map((a) => ({ date: d.date, last: [a.trackPoints!.at(-1)!.lat, a.trackPoints!.at(-1)!.lon] })),
      ),
    );
    expect(map.tracks.map((t) => ({ date: t.date, last: t.points.at(-1) }))).toEqual(expectedTracks);

    // The calendar: the empty firstDate day is a day without data, every other day shows its steps.
    const history = await app.inject({ method: 'GET', url: '/history', headers: { cookie } });
    expect(history.statusCode).toBe(200);
    const iso = (d: string) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
    expect(history.body).toContain(`${iso(firstDate)}: no data`);
    const fmt = new Intl.NumberFormat('en');
    for (const d of withData) {
      const steps = (d.summary ?? []).reduce((n, s) => n + (s.steps ?? 0), 0);
      expect(history.body).toContain(`${iso(d.date)}: ${fmt.format(steps)} steps`);
    }

    // The day view: the empty firstDate day is a day without data; an irregular day shows its timeline.
    const installDay = await app.inject({
      method: 'GET',
      url: `/day/${iso(firstDate)}`,
      headers: { cookie },
    });
    expect(installDay.statusCode).toBe(200);
    expect(installDay.body).toContain('Moves recorded nothing on this day');
    const busy = withData.find((d) => irregularities([d]).gaps > 0)!;
    const busyView = await app.inject({ method: 'GET', url: `/day/${iso(busy.date)}`, headers: { cookie } });
    expect(busyView.statusCode).toBe(200);
    expect(busyView.body).not.toContain('Moves recorded nothing on this day');

    // The downloads of the whole range are valid GPX 1.1 and GeoJSON.
    const range = `from=${iso(firstDate)}&to=${iso(servedDays.at(-1)!.date)}`;
    const gpx = await app.inject({ method: 'GET', url: `/export?format=gpx&${range}`, headers: { cookie } });
    expect(gpx.statusCode).toBe(200);
    expect(await gpxSchemaErrors(gpx.body)).toEqual([]);
    const geojson = await app.inject({
      method: 'GET',
      url: `/export?format=geojson&${range}`,
      headers: { cookie },
    });
    expect(geojson.statusCode).toBe(200);
    expect(geojsonProblems(geojson.json())).toEqual([]);

    // The status page counts every stored day, the empty one too.
    const dashboard = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain(`${servedDays.length} days, from ${formatMovesDay(firstDate)} to `);
    expect(dashboard.body).toContain(`(${stored.length} weeks)`);
  }, 120_000);
});
