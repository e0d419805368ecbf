// Acceptance: every aggregate the history pages read equals the matching sum over the published file, computed
// here straight from the file's JSON. For a 5-year history synced from the Moves emulator, and for the sample
// export (the emulator's moves_export.zip) imported by a member without Moves, on every store under test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertMemberFromLogin } from '../../src/accounts/members.ts';
import { importArchiveFile } from '../../src/archive/index.ts';
import { countryAt } from '../../src/insights/countries.ts';
import { densityOf } from '../../src/insights/density.ts';
import { cellCentre, cellOf } from '../../src/insights/grid.ts';
import { flightsOf } from '../../src/insights/journeys.ts';
import { placeKey } from '../../src/insights/day-summary.ts';
import { placesOf } from '../../src/insights/places.ts';
import { yearDetail, yearSummaries } from '../../src/insights/years.ts';
import { runSyncJob } from '../../src/sync/sync-job.ts';
import type { TestContext } from '../support/context.ts';
import { storeKinds } from '../support/database.ts';
import {
  addMember,
  createSyncContext,
  daysAgo,
  downloadPublished,
  startUpstreams,
  syncUntilDone,
  type Upstreams,
} from '../sync/harness.ts';

type Sums = { distance: number; duration: number; steps: number; calories: number };
type Json = Record<string, unknown>;

interface Expected {
  /** year → days with data, and sums per group */
  years: Map<
    number,
    { days: number; groups: Map<string, Sums>; months: number[]; points: number; countries: Set<string> }
  >;
  /** place key → distinct stays */
  visits: Map<string, number>;
  flights: number;
}

const arr = (v: unknown): Json[] =>
  Array.isArray(v) ? (v as Json[]).filter((x) => x && typeof x === 'object') : [];
const n = (v: unknown) => (typeof v === 'number' ? v : 0);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The sums, read from the published file's day objects with no code of src/insights but the country lookup. */
function expectedOf(days: Json[]): Expected {
  const years: Expected['years'] = new Map();
  const visits = new Map<string, number>();
  const stays = new Set<string>();
  const flights = new Set<string>();
  for (const day of days) {
    const date = day.date as string;
    const y = Number(date.slice(0, 4));
    let year = years.get(y);
    if (!year)
      years.set(
        y,
        (year = {
          days: 0,
          groups: new Map(),
          months: Array<number>(12).fill(0),
          points: 0,
          countries: new Set(),
        }),
      );
    if (arr(day.segments).length || arr(day.summary).length) year.days++;
    for (const s of arr(day.summary)) {
      const name =
        (typeof s.group === 'string' && s.group) || (typeof s.activity === 'string' && s.activity) || 'other';
      const g = year.groups.get(name) ?? { distance: 0, duration: 0, steps: 0, calories: 0 };
      g.distance += n(s.distance);
      g.duration += n(s.duration);
      g.steps += n(s.steps);
      g.calories += n(s.calories);
      year.groups.set(name, g);
      const month = Number(date.slice(4, 6)) - 1;
      year.months[month] = year.months[month]! + n(s.distance);
    }
    for (const seg of arr(day.segments)) {
      const place = seg.place as Json | null | undefined;
      const loc = place?.location as Json | undefined;
      if (seg.type === 'place' && loc && isNum(loc.lat) && isNum(loc.lon)) {
        const key = placeKey(place!.id, { lat: loc.lat, lon: loc.lon });
        if (!stays.has(`${key} ${String(seg.startTime)}`)) {
          stays.add(`${key} ${String(seg.startTime)}`);
          visits.set(key, (visits.get(key) ?? 0) + 1);
        }
        const c = countryAt(loc.lat, loc.lon);
        if (c) year.countries.add(c);
      }
      for (const a of arr(seg.activities)) {
        if (a.activity === 'airplane') flights.add(`${String(a.startTime)} ${String(a.endTime)}`);
        for (const p of arr(a.trackPoints)) {
          if (!isNum(p.lat) || !isNum(p.lon)) continue;
          year.points++;
          const centre = cellCentre(...cellOf(p.lat, p.lon));
          const c = countryAt(centre.lat, centre.lon);
          if (c) year.countries.add(c);
        }
      }
    }
  }
  return { years, visits, flights: flights.size };
}

const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 3);

async function expectAggregatesMatch(ctx: TestContext, memberId: number, published: Json[]): Promise<void> {
  const want = expectedOf(published);
  const [totals, visits, cells] = await Promise.all([
    ctx.insights.totals(memberId),
    ctx.insights.visits(memberId),
    ctx.insights.cells(memberId),
  ]);
  const got = yearSummaries(totals);
  expect(got.map((y) => y.year).sort()).toEqual([...want.years.keys()].sort());
  for (const y of got) {
    const w = want.years.get(y.year)!;
    expect(y.all.days).toBe(w.days);
    expect(y.groups.map((g) => g.group).sort()).toEqual([...w.groups.keys()].sort());
    for (const g of y.groups) {
      const e = w.groups.get(g.group)!;
      close(g.totals.distance, e.distance);
      close(g.totals.duration, e.duration);
      close(g.totals.steps, e.steps);
      close(g.totals.calories, e.calories);
    }
    const months = yearDetail(totals, y.year)!.months;
    months.forEach((m, i) => close(m.all.distance, w.months[i]!));
    expect(densityOf(cells, y.year).points).toBe(w.points);
    expect(y.countries).toEqual([...w.countries].sort());
  }
  const places = placesOf(visits);
  expect(new Map(places.map((p) => [p.key, p.visits]))).toEqual(want.visits);
  expect(flightsOf(visits)).toHaveLength(want.flights);
}

describe.each(storeKinds())('aggregates against the published file on %s', (store) => {
  let up: Upstreams;
  let ctx: TestContext;
  let dir: string;

  beforeAll(async () => {
    up = await startUpstreams({ timeScale: 60 });
    ctx = await createSyncContext(up, store, { MOVES_TIME_SCALE: '60' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-insights-'));
  });
  afterAll(async () => {
    await ctx?.close();
    await up?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a 5-year history synced from Moves', async () => {
    const m = await addMember(ctx, up, { firstDate: daysAgo(5 * 365), timeZone: 'Europe/Berlin', seed: 5 });
    await syncUntilDone(ctx, m.memberId);
    const published = (await downloadPublished(ctx, m.memberId)) as unknown as Json[];
    expect(published.length).toBeGreaterThan(5 * 364);
    await expectAggregatesMatch(ctx, m.memberId, published);
  }, 600_000);

  it('the sample export, imported by a member without Moves', async () => {
    const { userId } = up.moves.createUser({ firstDate: daysAgo(60), timeZone: 'Europe/Berlin' });
    const res = await up.moves.control.exportArchive(userId);
    const file = path.join(dir, 'moves_export.zip');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const ohMemberId = up.oh.createMember().project_member_id;
    const { code } = await up.oh.control.authorize(ohMemberId, { client_id: 'sync-oh-client' });
    const tokens = await ctx.openHumans.exchangeCode(code);
    const member = await ctx.openHumans.exchangeMember(tokens.accessToken);
    const { memberId } = await upsertMemberFromLogin(ctx, { member, tokens });
    await importArchiveFile(ctx, memberId, file, { displayName: 'moves_export.zip' });
    expect((await runSyncJob(ctx, { memberId, reason: 'import' })).outcome).toBe('completed');
    const published = (await downloadPublished(ctx, memberId)) as unknown as Json[];
    expect(published.length).toBeGreaterThan(50);
    await expectAggregatesMatch(ctx, memberId, published);
  }, 300_000);
});
