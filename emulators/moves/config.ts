// Runtime configuration of one emulator instance, changeable through POST /_control/config.
import { z } from 'zod';
import { faultRuleSchema, type FaultRule } from './faults.ts';
import { RECORDED_IRREGULARITIES } from './irregularities.ts';

/**
 * Every [I] (inferred) behaviour of the reference and every recorded irregularity of real data, as a documented
 * default that tests and benchmarks can change.
 */
export const behaviourSchema = z.object({
  /** refresh also invalidates the access token issued with the old refresh token */
  revokeAccessTokenOnRefresh: z.boolean().default(false),
  /** status for a token lacking the endpoint's scope */
  wrongScopeStatus: z.number().int().min(400).max(499).default(403),
  /** whether a 304 consumes rate-limit quota */
  countNotModified: z.boolean().default(true),
  /** bare /daily without a period: today's day, or 400 */
  bareDaily: z.enum(['today', 'reject']).default('today'),
  /** GET /api/1.1/activities needs a token (a real client library called it without one) */
  activitiesRequireAuth: z.boolean().default(false),
  /** 401 body for a token the server does not know */
  unknownTokenBody: z.string().default('expired_access_token'),
  /** status of tokeninfo and token endpoint errors */
  oauthErrorStatus: z.number().int().min(400).max(499).default(400),
  /** authorization code lifetime in emulated seconds (divided by timeScale) */
  codeLifetimeSeconds: z.number().positive().default(600),
  /** access token lifetime in emulated seconds (divided by timeScale): 180 days */
  accessTokenLifetimeSeconds: z.number().positive().default(15_552_000),
  /** how long new tokens get doubled rate limits, in emulated seconds */
  newTokenBoostSeconds: z.number().nonnegative().default(3600),
  // The irregularities of real data (irregularities.ts), all on as recorded.
  segmentEndOverhang: z.boolean().default(RECORDED_IRREGULARITIES.segmentEndOverhang),
  trackPointOverhang: z.boolean().default(RECORDED_IRREGULARITIES.trackPointOverhang),
  activityGaps: z.boolean().default(RECORDED_IRREGULARITIES.activityGaps),
  emptyFirstDate: z.boolean().default(RECORDED_IRREGULARITIES.emptyFirstDate),
  recordedDensity: z.boolean().default(RECORDED_IRREGULARITIES.recordedDensity),
});
export type Behaviour = z.infer<typeof behaviourSchema>;

export interface EmulatorConfig {
  minuteLimit: number;
  hourLimit: number;
  rateScope: 'user' | 'app';
  timeScale: number;
  clockOffsetMs: number;
  /** Benchmarks: the storyline as it stood at this emulator-clock instant (null: now). Limits and tokens keep time. */
  storylineAtMs: number | null;
  faults: FaultRule[];
  behaviour: Behaviour;
}

export const configPatchSchema = z
  .object({
    minuteLimit: z.number().int().positive(),
    hourLimit: z.number().int().positive(),
    rateScope: z.enum(['user', 'app']),
    timeScale: z.number().positive().max(1e9),
    clockOffsetMs: z.number().finite(),
    storylineAtMs: z.number().finite().nullable(),
    faults: z.array(faultRuleSchema).max(100),
    behaviour: behaviourSchema.partial(),
  })
  .partial()
  .strict();
export type ConfigPatch = z.infer<typeof configPatchSchema>;

export function defaultConfig(): EmulatorConfig {
  return {
    minuteLimit: 60,
    hourLimit: 2000,
    rateScope: 'user',
    timeScale: 1,
    clockOffsetMs: 0,
    storylineAtMs: null,
    faults: [],
    behaviour: behaviourSchema.parse({}),
  };
}

/** The emulator clock (team time-scale contract): real time plus an offset; durations divided by the scale. */
export class Clock {
  private readonly config: EmulatorConfig;

  constructor(config: EmulatorConfig) {
    this.config = config;
  }
  now(): number {
    return Date.now() + this.config.clockOffsetMs;
  }
  /** Real milliseconds that an emulated duration lasts. */
  scaled(emulatedMs: number): number {
    return emulatedMs / this.config.timeScale;
  }
}
