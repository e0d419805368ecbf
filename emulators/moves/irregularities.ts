// The ways real Moves data differed from tidy data, as recorded from real traffic in 2018 (one week with track
// points, 2016, zone -0700). Each is on by default and can be switched off in the emulator's `behaviour`.

export interface Irregularities {
  /** some move segments end 1 s after their last activity ends */
  segmentEndOverhang: boolean;
  /** some activities have their last track point 1 s after their endTime */
  trackPointOverhang: boolean;
  /** some consecutive activities inside a move have a 1 s gap instead of a shared boundary */
  activityGaps: boolean;
  /** the day of firstDate is {"date","summary":null,"segments":null}: the app had recorded nothing yet */
  emptyFirstDate: boolean;
  /** track points as dense as recorded (about 340 a day); off: the sparser fixes of earlier versions */
  recordedDensity: boolean;
}

export const RECORDED_IRREGULARITIES: Irregularities = {
  segmentEndOverhang: true,
  trackPointOverhang: true,
  activityGaps: true,
  emptyFirstDate: true,
  recordedDensity: true,
};

/** 11 of 41 move segments of the recorded week. */
export const SEGMENT_END_OVERHANG_RATE = 11 / 41;

/** 14 of 179 activities of the recorded week (here: of the activities that have track points). */
export const TRACK_POINT_OVERHANG_RATE = 14 / 179;

/** 7 pairs in the recorded week; the generator's moves hold about 17–18 consecutive pairs a week, so 40 % of them. */
export const RECORDED_GAPS_PER_WEEK = 7;
export const ACTIVITY_GAP_RATE = 0.4;

/** The recorded week: 2,363 track points (about 340 a day) in about 184 kB. */
export const RECORDED_TRACK_POINTS_PER_DAY = 340;
export const RECORDED_WEEK_BYTES = 184_000;

/** The overhangs and gaps are all one second. */
export const IRREGULAR_STEP_MS = 1000;
