// The deterministic storyline generator. Any (user, day, zone) is generated on its own from the seed: nothing
// about a user's history is ever stored beyond {seed, firstDate, timeZone} and small edit overrides.
import { dayStartMs, formatDate, ordinalAt, parseDate, zoneOffsetMinutes } from './dates.ts';
import { applyEdit, type DayEdit } from './edits.ts';
import type { DayActivity, DayModel, DaySegment, GenActivity, GenSegment } from './model.ts';
import { userPlaces } from './places.ts';
import { rngFor } from './prng.ts';
import { toStorylineDay, type StorylineDayJson } from './projections.ts';
import { planDay, uploadDelay, type DayPlan } from './routines.ts';
import { computeSummary } from './summary.ts';
import { RECORDED_IRREGULARITIES, type Irregularities } from './irregularities.ts';
import { clipTrackPoints, trackPointsFor } from './track-points.ts';
import { userTraits } from './user-traits.ts';

export type { DayEdit } from './edits.ts';

export interface GeneratorUser {
  seed: number;
  /** yyyyMMdd or yyyy-MM-dd */
  firstDate: string;
  /** the user's home (and current) IANA zone: routines happen in it */
  timeZone: string;
  /** edits keyed by yyyyMMdd (a day of the home zone) */
  edits?: ReadonlyMap<string, DayEdit>;
}

export interface DayOptions {
  trackPoints?: boolean;
  /** zone for day boundaries and offsets (the API's `timeZone`); default: the user's zone */
  timeZone?: string;
  /** the emulator clock (ms); segments not yet uploaded by then (lastUpdate > now) are left out. Default Date.now() */
  now?: number;
  /** the recorded irregularities to reproduce (default: all of them) */
  irregularities?: Partial<Irregularities>;
}

const MIN = 60_000;

/** Plans and owner segments are memoised per request so neighbouring days are not planned twice. */
export class StorylineSource {
  private readonly plans = new Map<number, DayPlan | null>();
  private readonly owned = new Map<number, GenSegment[]>();
  readonly firstOrdinal: number;
  readonly irregularities: Irregularities;
  readonly user: GeneratorUser;

  constructor(user: GeneratorUser, irregularities: Partial<Irregularities> = {}) {
    this.user = user;
    const first = parseDate(user.firstDate);
    if (first === null) throw new Error(`invalid firstDate ${user.firstDate}`);
    this.firstOrdinal = first;
    this.irregularities = { ...RECORDED_IRREGULARITIES, ...irregularities };
  }

  private plan(ordinal: number): DayPlan | null {
    if (this.plans.has(ordinal)) return this.plans.get(ordinal) ?? null;
    let plan: DayPlan | null = null;
    const edit = this.user.edits?.get(formatDate(ordinal));
    // The app was installed on firstDate and had recorded nothing yet that day (unless the user edited it).
    const installDay = ordinal === this.firstOrdinal && this.irregularities.emptyFirstDate && !edit;
    if (ordinal >= this.firstOrdinal && !installDay) {
      const zone = this.user.timeZone;
      const dayStart = dayStartMs(ordinal, zone);
      plan = planDay({
        seed: this.user.seed,
        ordinal,
        dayStart,
        places: userPlaces(this.user.seed, zone, zoneOffsetMinutes(zone, dayStart)),
        traits: userTraits(this.user.seed),
        forceData: edit !== undefined,
        irregularities: this.irregularities,
      });
      if (plan && edit) applyEdit(plan.segments, edit);
    }
    if (this.plans.size > 64) this.plans.clear();
    this.plans.set(ordinal, plan);
    return plan;
  }

  /** The segments a home-zone day owns: the night at home that ends in it, then its plan. */
  ownedSegments(ordinal: number): GenSegment[] {
    const hit = this.owned.get(ordinal);
    if (hit) return hit;
    const zone = this.user.timeZone;
    const plan = this.plan(ordinal);
    const prev = this.plan(ordinal - 1);
    const segments: GenSegment[] = [];
    if (plan || prev) {
      const rng = rngFor(this.user.seed, ordinal, 'night');
      const start = prev
        ? prev.lastEnd + rng.int(0, 20) * 1000
        : dayStartMs(ordinal, zone) + rng.int(60, 420) * MIN; // tracking starts (app installed / phone back on)
      const end = plan ? plan.firstStart : dayStartMs(ordinal, zone) - rng.int(1, 30) * MIN;
      if (end - start >= MIN) {
        const home = userPlaces(this.user.seed, zone, zoneOffsetMinutes(zone, end)).home;
        segments.push({
          type: 'place',
          start,
          end,
          place: home,
          activities: [],
          lastUpdate: end + uploadDelay(rng),
        });
      }
    }
    if (plan) segments.push(...plan.segments);
    if (this.owned.size > 64) this.owned.clear();
    this.owned.set(ordinal, segments);
    return segments;
  }

  /** One calendar day in `zone` with activities (and track points) cut at its edges. */
  day(ordinal: number, opts: { zone?: string; now: number; trackPoints: boolean }): DayModel {
    const zone = opts.zone ?? this.user.timeZone;
    const date = formatDate(ordinal);
    const empty: DayModel = { ordinal, date, zone, segments: null, summary: null };
    if (ordinal < this.firstOrdinal) return empty;
    const ws = dayStartMs(ordinal, zone);
    const we = dayStartMs(ordinal + 1, zone);
    const lo = ordinalAt(ws, this.user.timeZone) - 1;
    const hi = ordinalAt(we - 1, this.user.timeZone) + 1;
    const segments: DaySegment[] = [];
    for (let o = lo; o <= hi; o++) {
      for (const seg of this.ownedSegments(o)) {
        if (seg.start >= we || seg.end <= ws || seg.lastUpdate > opts.now) continue;
        segments.push({
          type: seg.type,
          start: seg.start,
          end: seg.end,
          ...(seg.place ? { place: seg.place } : {}),
          activities: seg.activities.flatMap((a) =>
            clipActivity(a, ws, we, opts.trackPoints ? this.irregularities : undefined),
          ),
          lastUpdate: seg.lastUpdate,
        });
      }
    }
    if (segments.length === 0) return empty;
    segments.sort((a, b) => a.start - b.start);
    const model: DayModel = {
      ordinal,
      date,
      zone,
      segments,
      summary: computeSummary(segments.flatMap((s) => s.activities)),
      lastUpdate: Math.max(...segments.map((s) => s.lastUpdate)),
    };
    if (userTraits(this.user.seed).caloriesAvailable) {
      model.caloriesIdle = rngFor(this.user.seed, ordinal, 'idle').int(1450, 1950);
    }
    return model;
  }
}

/**
 * Cuts an activity to [ws, we): the part before midnight ends at …T235959, the part after starts at …T000000.
 * Track points are included when `trackPoints` says how to make them.
 */
function clipActivity(
  a: GenActivity,
  ws: number,
  we: number,
  trackPoints: Irregularities | undefined,
): DayActivity[] {
  if (a.timeless) {
    if (a.start < ws || a.start >= we) return [];
    const d: DayActivity = {
      activity: a.activity,
      manual: a.manual,
      duration: Math.round((a.end - a.start) / 1000),
    };
    if (a.group !== undefined) d.group = a.group;
    if (a.steps !== undefined) d.steps = a.steps;
    if (a.calories !== undefined) d.calories = a.calories;
    if (trackPoints) d.trackPoints = [];
    return [reorder(d)];
  }
  if (a.end <= ws || a.start >= we) return [];
  const start = Math.max(a.start, ws);
  const end = a.end >= we ? we - 1000 : a.end;
  const clipped = start !== a.start || end !== a.end;
  if (end < start || (clipped && end === start)) return [];
  const f = a.end > a.start ? (end - start) / (a.end - a.start) : 1;
  const part = (v: number | undefined): number | undefined =>
    v === undefined ? undefined : clipped ? Math.round(v * f) : v;
  const d: DayActivity = {
    activity: a.activity,
    manual: a.manual,
    start,
    end,
    duration: (end - start) / 1000,
  };
  if (a.group !== undefined) d.group = a.group;
  const distance = part(a.distance);
  const steps = part(a.steps);
  const calories = part(a.calories);
  if (distance !== undefined) d.distance = distance;
  if (steps !== undefined) d.steps = steps;
  if (calories !== undefined) d.calories = calories;
  if (trackPoints) {
    // An uncut end keeps a last fix that lies 1 s after it (recorded); a cut one ends at the cut.
    const to = end < a.end ? end : Number.POSITIVE_INFINITY;
    d.trackPoints = a.path ? clipTrackPoints(trackPointsFor(a, trackPoints), start, to) : [];
  }
  return [reorder(d)];
}

/** Key order of an activity object, whatever order the fields were set in. */
function reorder(d: DayActivity): DayActivity {
  const o = { activity: d.activity } as DayActivity;
  if (d.group !== undefined) o.group = d.group;
  o.manual = d.manual;
  if (d.start !== undefined) o.start = d.start;
  if (d.end !== undefined) o.end = d.end;
  o.duration = d.duration;
  if (d.distance !== undefined) o.distance = d.distance;
  if (d.steps !== undefined) o.steps = d.steps;
  if (d.calories !== undefined) o.calories = d.calories;
  if (d.trackPoints !== undefined) o.trackPoints = d.trackPoints;
  return o;
}

/**
 * Pure: the storyline day object the emulator serves for `date` (yyyyMMdd or yyyy-MM-dd), exactly as it appears
 * in `GET /user/storyline/daily/...` (same keys, same order; numbers as plain JS numbers).
 */
export function generateStorylineDay(
  user: GeneratorUser,
  date: string,
  opts: DayOptions = {},
): StorylineDayJson {
  const ordinal = parseDate(date);
  if (ordinal === null) throw new Error(`invalid date ${date}`);
  const zone = opts.timeZone ?? user.timeZone;
  const model = new StorylineSource(user, opts.irregularities).day(ordinal, {
    zone,
    now: opts.now ?? Date.now(),
    trackPoints: opts.trackPoints ?? false,
  });
  return toStorylineDay(model, opts.trackPoints ?? false);
}
