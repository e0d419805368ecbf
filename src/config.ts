// Environment → typed, validated configuration. Every problem is reported at once, with how to fix it.
import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (what: string) =>
  z
    .string()
    .trim()
    .url({ message: `${what} must be an absolute http(s) URL, e.g. https://example.org` })
    .refine((v) => /^https?:\/\//.test(v), { message: `${what} must start with http:// or https://` })
    .transform((v) => v.replace(/\/+$/, ''));

const int = (what: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${what} must be a whole number` })
    .int({ message: `${what} must be a whole number` })
    .min(min, { message: `${what} must be at least ${min}` })
    .max(max, { message: `${what} must be at most ${max}` });

const positive = (what: string) =>
  z.coerce.number({ message: `${what} must be a number` }).positive({ message: `${what} must be above 0` });

const envSchema = z.object({
  PORT: int('PORT', 0, 65535).default(5000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  APP_BASE_URL: url('APP_BASE_URL').optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^postgres(ql)?:\/\//.test(v), {
      message:
        'DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset to use the embedded database)',
    })
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  SECRET_KEY: z
    .string()
    .refine((v) => v === '' || v.length >= 32, {
      message: 'SECRET_KEY must be at least 32 characters (generate one with: openssl rand -base64 48)',
    })
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  OH_CLIENT_ID: optionalText,
  OH_CLIENT_SECRET: optionalText,
  OH_BASE_URL: url('OH_BASE_URL').default('https://www.openhumans.org'),
  OH_ACTIVITY_PAGE: url('OH_ACTIVITY_PAGE').optional(),
  OH_WEBHOOK_SECRET: optionalText,
  // Names or ids of data types the project registered on Open Humans, sent with every upload (comma-separated).
  OH_DATATYPES: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((t) => t.length <= 100), {
      message: 'OH_DATATYPES: each data type name is at most 100 characters',
    }),
  MOVES_CLIENT_ID: optionalText,
  MOVES_CLIENT_SECRET: optionalText,
  MOVES_API_BASE: url('MOVES_API_BASE').default('https://api.moves-app.com'),
  MOVES_REDIRECT_URI: url('MOVES_REDIRECT_URI').optional(),
  MOVES_RATE_SCOPE: z
    .enum(['user', 'app'], { message: 'MOVES_RATE_SCOPE must be "user" or "app"' })
    .default('app'),
  MOVES_MINUTE_LIMIT: int('MOVES_MINUTE_LIMIT', 1, 100_000).default(60),
  MOVES_HOUR_LIMIT: int('MOVES_HOUR_LIMIT', 1, 1_000_000).default(2000),
  MOVES_TIME_SCALE: positive('MOVES_TIME_SCALE').default(1),
  STALE_AFTER_HOURS: positive('STALE_AFTER_HOURS').default(96),
  MANUAL_UPDATE_COOLDOWN_MINUTES: z.coerce
    .number({ message: 'MANUAL_UPDATE_COOLDOWN_MINUTES must be a number' })
    .min(0, { message: 'MANUAL_UPDATE_COOLDOWN_MINUTES must be 0 or more' })
    .default(60),
  WORKER_CONCURRENCY: int('WORKER_CONCURRENCY', 1, 64).default(2),
  SCHEDULER_CRON: z.string().trim().min(1).default('0 * * * *'),
  SHUTDOWN_TIMEOUT_SECONDS: positive('SHUTDOWN_TIMEOUT_SECONDS').default(20),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  LOG_FORMAT: z
    .enum(['auto', 'pretty', 'json'], { message: 'LOG_FORMAT must be "pretty", "json" or "auto"' })
    .default('auto'),
  ADMIN_MEMBER_IDS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().regex(/^\d{8}(\d{8})?$/, {
          message:
            'ADMIN_MEMBER_IDS must list Open Humans project member ids (8 digits), separated by commas',
        }),
      ),
    ),
  IMPORT_MAX_BYTES: int('IMPORT_MAX_BYTES', 1024, Number.MAX_SAFE_INTEGER).default(2 * 1024 ** 3),
  IMPORT_DISK_BUDGET_BYTES: int('IMPORT_DISK_BUDGET_BYTES', 1024, Number.MAX_SAFE_INTEGER).default(
    10 * 1024 ** 3,
  ),
  IMPORT_MAX_CONCURRENT: int('IMPORT_MAX_CONCURRENT', 1, 10_000).default(8),
  IMPORT_STALL_SECONDS: positive('IMPORT_STALL_SECONDS').default(60),
  MAP_TILE_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || v === 'none' || /^https?:\/\/.+\{z\}.+\{x\}.+\{y\}/.test(v), {
      message: 'MAP_TILE_URL must be a tile URL template with {z}, {x} and {y}, or "none"',
    })
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  MAP_TILE_ATTRIBUTION: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  appBaseUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Undefined only in sandbox mode before start-up generates and stores one. */
  secretKey: string | undefined;
  /** True when no upstream credentials are configured: the emulators stand in for Moves and Open Humans. */
  sandbox: boolean;
  /**
   * How the process runs: `sandbox` (emulators for both), `served` (real Open Humans and a Moves-compatible
   * service) or `import-only` (real Open Humans, no Moves credentials: members bring their export; the Moves
   * connection is switched off).
   */
  mode: 'sandbox' | 'served' | 'import-only';
  openHumans: {
    clientId: string;
    clientSecret: string;
    baseUrl: string;
    activityPage: string | undefined;
    webhookSecret: string | undefined;
    /** Data types (names or ids, as registered by the project) every upload names; empty = none. */
    datatypes: string[];
  };
  moves: {
    /** False in import-only mode: no Connect Moves, no Moves syncs, no notification route. */
    enabled: boolean;
    clientId: string;
    clientSecret: string;
    apiBase: string;
    redirectUri: string;
    rateScope: 'user' | 'app';
    minuteLimit: number;
    hourLimit: number;
    timeScale: number;
  };
  staleAfterHours: number;
  manualUpdateCooldownMinutes: number;
  workerConcurrency: number;
  schedulerCron: string;
  shutdownTimeoutMs: number;
  logLevel: Env['LOG_LEVEL'];
  /** auto: pretty on a terminal, JSON lines otherwise. */
  logFormat: Env['LOG_FORMAT'];
  adminMemberIds: string[];
  /** Tile template of the opt-in background map: undefined = OpenStreetMap's, 'none' = no background offered. */
  mapTileUrl: string | undefined;
  mapTileAttribution: string | undefined;
  /** The largest Moves export a member may upload (bytes). */
  importMaxBytes: number;
  /** Disk space all uploads together may use, arriving or waiting for their import (bytes). */
  importDiskBudgetBytes: number;
  /** Uploads arriving at once, over every member. */
  importMaxConcurrent: number;
  /** An upload that sends nothing for this long is closed. */
  importStallMs: number;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `oh-moves cannot start: the configuration has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nSet these environment variables (or put them in a .env file) and start again. README.md lists every setting.',
    );
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

const OH_CREDENTIALS = ['OH_CLIENT_ID', 'OH_CLIENT_SECRET'] as const;
const MOVES_CREDENTIALS = ['MOVES_CLIENT_ID', 'MOVES_CLIENT_SECRET'] as const;
const CREDENTIALS = [...OH_CREDENTIALS, ...MOVES_CREDENTIALS] as const;

/**
 * The mode the credentials select, and what is wrong with them: none = sandbox; Open Humans only = import-only;
 * all four = served. Moves credentials without Open Humans ones are an error (nobody could sign in).
 */
function credentialMode(e: Env): { mode: Config['mode']; problems: string[] } {
  const given = CREDENTIALS.filter((k) => e[k] !== undefined);
  if (given.length === 0) return { mode: 'sandbox', problems: [] };
  const movesGiven = MOVES_CREDENTIALS.some((k) => e[k] !== undefined);
  const mode = movesGiven ? 'served' : 'import-only';
  const needed = movesGiven ? CREDENTIALS : OH_CREDENTIALS;
  const problems = needed
    .filter((k) => e[k] === undefined)
    .map(
      (k) =>
        `${k}: missing. Set ${OH_CREDENTIALS.join(' and ')} to run with the real Open Humans (members bring their Moves export), ` +
        `add ${MOVES_CREDENTIALS.join(' and ')} only to connect a live Moves-compatible service, or set none of them for the sandbox`,
    );
  return { mode, problems };
}

/** Parses and validates the environment. Throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      problems.push(
        `${name}: ${issue.message}${name && env[name] !== undefined ? ` (got "${mask(name, env[name])}")` : ''}`,
      );
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const { mode, problems: credentialProblems } = credentialMode(e);
  problems.push(...credentialProblems);
  const sandbox = mode === 'sandbox';
  if (!sandbox && !e.SECRET_KEY)
    problems.push(
      'SECRET_KEY: required outside the sandbox (it signs sessions and encrypts tokens); generate one with: openssl rand -base64 48',
    );
  if (e.MAP_TILE_URL && e.MAP_TILE_URL !== 'none' && !e.MAP_TILE_ATTRIBUTION)
    problems.push(
      'MAP_TILE_ATTRIBUTION: required with MAP_TILE_URL: the tile provider\'s credit shown on the map (e.g. "© OpenStreetMap contributors")',
    );
  if (e.IMPORT_DISK_BUDGET_BYTES < e.IMPORT_MAX_BYTES)
    problems.push(
      `IMPORT_DISK_BUDGET_BYTES: must be at least IMPORT_MAX_BYTES (${e.IMPORT_MAX_BYTES}), or no upload of the largest size could ever be accepted`,
    );
  if (problems.length) throw new ConfigError(problems);

  const appBaseUrl = e.APP_BASE_URL ?? `http://127.0.0.1:${e.PORT}`;
  return {
    port: e.PORT,
    host: e.HOST,
    appBaseUrl,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    secretKey: e.SECRET_KEY,
    sandbox,
    mode,
    openHumans: {
      clientId: e.OH_CLIENT_ID ?? '',
      clientSecret: e.OH_CLIENT_SECRET ?? '',
      baseUrl: e.OH_BASE_URL,
      activityPage: e.OH_ACTIVITY_PAGE,
      webhookSecret: e.OH_WEBHOOK_SECRET,
      datatypes: e.OH_DATATYPES,
    },
    moves: {
      enabled: mode !== 'import-only',
      clientId: e.MOVES_CLIENT_ID ?? '',
      clientSecret: e.MOVES_CLIENT_SECRET ?? '',
      apiBase: e.MOVES_API_BASE,
      redirectUri: e.MOVES_REDIRECT_URI ?? `${appBaseUrl}/moves_complete`,
      rateScope: e.MOVES_RATE_SCOPE,
      minuteLimit: e.MOVES_MINUTE_LIMIT,
      hourLimit: e.MOVES_HOUR_LIMIT,
      timeScale: e.MOVES_TIME_SCALE,
    },
    staleAfterHours: e.STALE_AFTER_HOURS,
    manualUpdateCooldownMinutes: e.MANUAL_UPDATE_COOLDOWN_MINUTES,
    workerConcurrency: e.WORKER_CONCURRENCY,
    schedulerCron: e.SCHEDULER_CRON,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    adminMemberIds: e.ADMIN_MEMBER_IDS,
    mapTileUrl: e.MAP_TILE_URL,
    mapTileAttribution: e.MAP_TILE_ATTRIBUTION,
    importMaxBytes: e.IMPORT_MAX_BYTES,
    importDiskBudgetBytes: e.IMPORT_DISK_BUDGET_BYTES,
    importMaxConcurrent: e.IMPORT_MAX_CONCURRENT,
    importStallMs: Math.round(e.IMPORT_STALL_SECONDS * 1000),
  };
}

function mask(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  return /SECRET|KEY|TOKEN|PASSWORD/.test(name) || /DATABASE_URL/.test(name) ? '***' : value;
}
