// The canonical, zone-free storyline: absolute instants (ms). Every endpoint is a projection of it.
import type { LatLon } from './geo.ts';
import type { GenPlace } from './places.ts';

export interface GenActivity {
  activity: string;
  group?: string;
  manual: boolean;
  start: number;
  end: number;
  /** manual place-bound workouts are written without startTime/endTime */
  timeless?: boolean;
  distance?: number;
  steps?: number;
  calories?: number;
  /** waypoints for GPS activities; track points are interpolated along them */
  path?: LatLon[];
  /** seed for this activity's track point jitter */
  tpSeed: number;
}

export type SegmentType = 'place' | 'move' | 'off';

export interface GenSegment {
  type: SegmentType;
  start: number;
  end: number;
  place?: GenPlace;
  activities: GenActivity[];
  lastUpdate: number;
}

export interface TrackPoint {
  lat: number;
  lon: number;
  time: number;
}

/** An activity as it appears in one day: clipped at the day's edges. */
export interface DayActivity {
  activity: string;
  group?: string;
  manual: boolean;
  start?: number;
  end?: number;
  duration: number;
  distance?: number;
  steps?: number;
  calories?: number;
  trackPoints?: TrackPoint[];
}

export interface DaySegment {
  type: SegmentType;
  start: number;
  end: number;
  place?: GenPlace;
  activities: DayActivity[];
  lastUpdate: number;
}

export interface SummaryItem {
  activity: string;
  group?: string;
  duration: number;
  distance?: number;
  steps?: number;
  calories?: number;
}

/** One calendar day in one zone; `segments === null` means a day without data. */
export interface DayModel {
  ordinal: number;
  date: string;
  zone: string;
  segments: DaySegment[] | null;
  summary: SummaryItem[] | null;
  caloriesIdle?: number;
  lastUpdate?: number;
}
