// Each endpoint is a projection of the day model (§3.3–3.6). Objects are built in the documented key order;
// times become Moves strings in the day's zone, lastUpdate becomes UTC with `Z`.
import type { DayActivity, DayModel, DaySegment, SummaryItem } from './model.ts';
import type { GenPlace } from './places.ts';
import { formatMovesTime, formatMovesUtc } from './time-format.ts';

export interface PlaceJson {
  id: number;
  name?: string;
  type: string;
  facebookPlaceId?: string;
  foursquareId?: string;
  foursquareCategoryIds?: string[];
  location: { lat: number; lon: number };
}
export interface TrackPointJson {
  lat: number;
  lon: number;
  time: string;
}
export interface ActivityJson {
  activity: string;
  group?: string;
  manual: boolean;
  startTime?: string;
  endTime?: string;
  duration: number;
  distance?: number;
  steps?: number;
  calories?: number;
  trackPoints?: TrackPointJson[];
}
export interface SegmentJson {
  type: string;
  startTime: string;
  endTime: string;
  place?: PlaceJson;
  activities?: ActivityJson[];
  lastUpdate: string;
}
export interface StorylineDayJson {
  date: string;
  summary: SummaryItem[] | null;
  segments: SegmentJson[] | null;
  caloriesIdle?: number;
  lastUpdate?: string;
}
export type ActivitiesDayJson = StorylineDayJson;
export interface PlacesDayJson {
  date: string;
  segments: SegmentJson[] | null;
  lastUpdate?: string;
}
export interface SummaryDayJson {
  date: string;
  summary: SummaryItem[] | null;
  caloriesIdle?: number;
  lastUpdate?: string;
}

export function placeJson(p: GenPlace): PlaceJson {
  const o = { id: p.id } as PlaceJson;
  if (p.name !== undefined) o.name = p.name;
  o.type = p.type;
  if (p.facebookPlaceId !== undefined) o.facebookPlaceId = p.facebookPlaceId;
  if (p.foursquareId !== undefined) o.foursquareId = p.foursquareId;
  if (p.foursquareCategoryIds !== undefined) o.foursquareCategoryIds = p.foursquareCategoryIds;
  o.location = { lat: p.lat, lon: p.lon };
  return o;
}

function activityJson(a: DayActivity, zone: string, withTrackPoints: boolean): ActivityJson {
  const o = { activity: a.activity } as ActivityJson;
  if (a.group !== undefined) o.group = a.group;
  o.manual = a.manual;
  if (a.start !== undefined) o.startTime = formatMovesTime(a.start, zone);
  if (a.end !== undefined) o.endTime = formatMovesTime(a.end, zone);
  o.duration = a.duration;
  if (a.distance !== undefined) o.distance = a.distance;
  if (a.steps !== undefined) o.steps = a.steps;
  if (a.calories !== undefined) o.calories = a.calories;
  if (withTrackPoints)
    o.trackPoints = (a.trackPoints ?? []).map((p) => ({
      lat: p.lat,
      lon: p.lon,
      time: formatMovesTime(p.time, zone),
    }));
  return o;
}

function segmentJson(
  s: DaySegment,
  zone: string,
  opts: { place: boolean; activities: boolean; trackPoints: boolean },
): SegmentJson {
  const o = {
    type: s.type,
    startTime: formatMovesTime(s.start, zone),
    endTime: formatMovesTime(s.end, zone),
  } as SegmentJson;
  if (opts.place && s.place) o.place = placeJson(s.place);
  // A segment without activities has no `activities` key at all (§3.6).
  if (opts.activities && s.activities.length > 0)
    o.activities = s.activities.map((a) => activityJson(a, zone, opts.trackPoints));
  o.lastUpdate = formatMovesUtc(s.lastUpdate);
  return o;
}

function tail<T extends object>(o: T, m: DayModel, withCalories: boolean): T {
  const out = o as T & { caloriesIdle?: number; lastUpdate?: string };
  if (withCalories && m.caloriesIdle !== undefined) out.caloriesIdle = m.caloriesIdle;
  if (m.lastUpdate !== undefined) out.lastUpdate = formatMovesUtc(m.lastUpdate);
  return out;
}

export function toStorylineDay(m: DayModel, trackPoints: boolean): StorylineDayJson {
  const segments =
    m.segments?.map((s) => segmentJson(s, m.zone, { place: true, activities: true, trackPoints })) ?? null;
  return tail({ date: m.date, summary: m.summary, segments } as StorylineDayJson, m, true);
}

/** Segments without place objects and without track points; only segments that hold activities that day [I]. */
export function toActivitiesDay(m: DayModel): ActivitiesDayJson {
  const segments = m.segments
    ? m.segments
        .filter((s) => s.activities.length > 0)
        .map((s) => segmentJson(s, m.zone, { place: false, activities: true, trackPoints: false }))
    : null;
  return tail({ date: m.date, summary: m.summary, segments } as ActivitiesDayJson, m, true);
}

/** Only place segments, with their place and without activities. */
export function toPlacesDay(m: DayModel): PlacesDayJson {
  const segments = m.segments
    ? m.segments
        .filter((s) => s.type === 'place')
        .map((s) => segmentJson(s, m.zone, { place: true, activities: false, trackPoints: false }))
    : null;
  return tail({ date: m.date, segments } as PlacesDayJson, m, false);
}

export function toSummaryDay(m: DayModel): SummaryDayJson {
  return tail({ date: m.date, summary: m.summary } as SummaryDayJson, m, true);
}
