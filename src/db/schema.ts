// The database schema. One definition serves PGlite and a PostgreSQL server (PostgreSQL 15 features only).
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { DayStepsEntry } from '../storyline/day-steps.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** Binary data. The week store reads and writes it as base64 text (encode/decode in SQL) on both drivers. */
const bytea = customType<{ data: string; driverData: string }>({ dataType: () => 'bytea' });

// The values the text columns below may hold: the compiler checks every write and comparison.
export type MovesAccountStatus = 'connected' | 'needs_reauth';
export type WeekSource = 'moves' | 'openhumans' | 'archive';
/** What the sync is doing. "Needs reconnecting" is not a sync status: it lives on the account rows. */
export type SyncStatus =
  'idle' | 'queued' | 'running' | 'waiting_rate_limit' | 'uploading' | 'up_to_date' | 'error';
export type SyncEventKind =
  | 'queued'
  | 'completed'
  | 'rate_limited'
  | 'http_429'
  | 'paused'
  | 'error'
  | 'needs_reauth'
  | 'edits_found'
  | 'published'
  | 'cleanup_failed'
  | 'seeded'
  | 'seed_invalid_days'
  | 'data_reset'
  | 'disconnected'
  | 'archive_imported'
  | 'day_rejected'
  | 'edits_notified'
  | 'import_queued'
  | 'import_failed'
  /** A message to the member on Open Humans (src/sync/notices.ts), sent or not. */
  | 'notice'
  | 'notice_failed';
/** current: the member's file; delete_pending: replaced, removal on Open Humans not confirmed yet; deleted. */
export type PublishedFileStatus = 'current' | 'delete_pending' | 'deleted';

/** An Open Humans member who signed in to oh-moves. Tokens are encrypted at rest (src/crypto/token-cipher.ts). */
export const members = pgTable('members', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  ohMemberId: text('oh_member_id').notNull().unique(),
  ohUsername: text('oh_username'),
  ohAccessToken: text('oh_access_token').notNull(),
  ohRefreshToken: text('oh_refresh_token').notNull(),
  ohTokenExpiresAt: ts('oh_token_expires_at').notNull(),
  /** Set when Open Humans refuses our tokens (member left or revoked): the member must sign in again. */
  ohNeedsReauth: boolean('oh_needs_reauth').notNull().default(false),
  /** When the member agreed to load background map tiles from the tile server (null: never, or withdrawn). */
  mapTilesConsentAt: ts('map_tiles_consent_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastLoginAt: ts('last_login_at'),
  /**
   * Set while the member's account is being deleted or Moves disconnected: a running sync stops at its next step
   * and starts no upload, so the removal does not race an upload in flight (src/accounts/removal.ts).
   */
  removalStartedAt: ts('removal_started_at'),
  /**
   * Sessions carry the version they were signed in under; logout raises it, so every cookie issued before
   * (copied or not) is refused from then on (src/accounts/sessions.ts).
   */
  sessionVersion: integer('session_version').notNull().default(0),
});

/**
 * A member's units and locale (src/accounts/preferences.ts): what they chose (null = automatic) and the
 * `localization` of their Moves profile, which the automatic settings follow before the browser's language.
 */
export const memberPreferences = pgTable('member_preferences', {
  memberId: bigint('member_id', { mode: 'number' })
    .primaryKey()
    .references(() => members.id, { onDelete: 'cascade' }),
  /** 'metric' | 'imperial' */
  units: text('units'),
  /** ISO weekday the week starts on: 1 Monday, 6 Saturday, 7 Sunday. */
  weekStart: integer('week_start'),
  /** '24h' | '12h' */
  clock: text('clock'),
  movesLocalization: jsonb('moves_localization'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** A connected Moves account. Unique on both sides: one Moves account ↔ one member. */
export const movesAccounts = pgTable('moves_accounts', {
  memberId: bigint('member_id', { mode: 'number' })
    .primaryKey()
    .references(() => members.id, { onDelete: 'cascade' }),
  /** Moves user ids exceed 2^53: kept as decimal text, never as a JS number. */
  movesUserId: text('moves_user_id').notNull().unique(),
  accessToken: text('access_token').notNull(),
  refreshToken: text('refresh_token').notNull(),
  tokenExpiresAt: ts('token_expires_at').notNull(),
  /** When the current access token was issued: Moves doubles the rate limit for its first hour. */
  tokenIssuedAt: ts('token_issued_at').notNull(),
  scope: text('scope').notNull().default('activity location'),
  status: text('status').$type<MovesAccountStatus>().notNull().default('connected'),
  firstDate: text('first_date'),
  timeZone: text('time_zone'),
  connectedAt: ts('connected_at').notNull().defaultNow(),
});

/** One ISO week of a member's storyline as fetched from Moves: the raw JSON array text of its day objects. */
export const storedWeeks = pgTable(
  'stored_weeks',
  {
    memberId: bigint('member_id', { mode: 'number' })
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    /** ISO week id, zero-padded: 2016-W05. Sorts in date order as text. */
    week: text('week').notNull(),
    /**
     * The raw JSON array of day objects as Moves sent it (key order and numbers preserved), gzip-compressed by the
     * app on libuv's thread pool. Stored EXTERNAL: the database does not compress it a second time, on its thread.
     */
    daysGz: bytea('days_gz'),
    /** The same text uncompressed: rows written before migration 0007 (a row has one of the two). */
    daysJson: text('days_json'),
    /** Each day's step total and whether it has data, for the history calendar (which never reads the days). */
    daySteps: jsonb('day_steps').$type<DayStepsEntry[]>().notNull().default([]),
    dayCount: integer('day_count').notNull(),
    firstDay: text('first_day'),
    lastDay: text('last_day'),
    bytes: integer('bytes').notNull(),
    /** True when the week lay fully in the past (member's Moves time zone) when it was fetched. */
    complete: boolean('complete').notNull(),
    /** Where the week came from: Moves, the published file on Open Humans (seeded), or an export archive. */
    source: text('source').$type<WeekSource>().notNull().default('moves'),
    fetchedAt: ts('fetched_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.week] }),
    check('stored_weeks_days_present', sql`${t.daysGz} is not null or ${t.daysJson} is not null`),
  ],
);

/**
 * What the history pages read about one stored week (src/insights): written with the week, in the same
 * transaction, and removed with it. `version` is the summary code's version: older rows are computed again.
 */
export const weekInsights = pgTable(
  'week_insights',
  {
    memberId: bigint('member_id', { mode: 'number' }).notNull(),
    week: text('week').notNull(),
    version: integer('version').notNull(),
    /** Per day: date, hasData, totals per activity group, longest moves, countries (the years pages). */
    totals: jsonb('totals').$type<unknown[]>().notNull(),
    /** Per day: places visited, coarse squares reached, flights (places, journeys). */
    visits: jsonb('visits').$type<unknown[]>().notNull(),
    /** Per day: track points per grid cell (the density map). */
    cells: jsonb('cells').$type<unknown[]>().notNull(),
    /** When the row was last written (the clock, not the transaction's start): tells a process its copy is old. */
    savedAt: ts('saved_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.week] }),
    foreignKey({
      columns: [t.memberId, t.week],
      foreignColumns: [storedWeeks.memberId, storedWeeks.week],
    }).onDelete('cascade'),
  ],
);

/** The state of a member's sync, as the dashboard and admin show it. */
export const syncState = pgTable('sync_state', {
  memberId: bigint('member_id', { mode: 'number' })
    .primaryKey()
    .references(() => members.id, { onDelete: 'cascade' }),
  status: text('status').$type<SyncStatus>().notNull().default('idle'),
  weeksDone: integer('weeks_done').notNull().default(0),
  weeksTotal: integer('weeks_total').notNull().default(0),
  nextRunAt: ts('next_run_at'),
  lastSuccessAt: ts('last_success_at'),
  /** When the last sync began: the `updatedSince` bound for finding edited days next time. */
  lastSyncStartedAt: ts('last_sync_started_at'),
  lastError: text('last_error'),
  lastErrorAt: ts('last_error_at'),
  lastManualRequestAt: ts('last_manual_request_at'),
  /** Weeks stored since the last publish: drives "publish when enough new weeks accumulated". */
  unpublishedWeeks: integer('unpublished_weeks').notNull().default(0),
  /** The rolling deep scan (src/sync/deep-scan.ts): newest day of its next 31-day window (yyyyMMdd). */
  deepScanCursor: text('deep_scan_cursor'),
  /** The deep scan looks for edits made after this instant in its current cycle. */
  deepScanSince: ts('deep_scan_since'),
  /** When the deep scan's current cycle began. */
  deepScanCycleStartedAt: ts('deep_scan_cycle_started_at'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Audit trail of sync activity, shown on the dashboard and in admin. */
export const syncEvents = pgTable(
  'sync_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    memberId: bigint('member_id', { mode: 'number' })
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    at: ts('at').notNull().defaultNow(),
    kind: text('kind').$type<SyncEventKind>().notNull(),
    message: text('message').notNull(),
    details: jsonb('details'),
  },
  (t) => [index('sync_events_member_at').on(t.memberId, t.at)],
);

/** Files oh-moves published to a member's Open Humans account. */
export const publishedFiles = pgTable(
  'published_files',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    memberId: bigint('member_id', { mode: 'number' })
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    ohFileId: bigint('oh_file_id', { mode: 'number' }).notNull(),
    basename: text('basename').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    md5: text('md5').notNull(),
    firstDay: text('first_day'),
    lastDay: text('last_day'),
    dayCount: integer('day_count').notNull().default(0),
    publishedAt: ts('published_at').notNull().defaultNow(),
    status: text('status').$type<PublishedFileStatus>().notNull().default('current'),
  },
  (t) => [
    uniqueIndex('published_files_oh_file_id').on(t.ohFileId),
    index('published_files_member').on(t.memberId),
    uniqueIndex('published_files_one_current')
      .on(t.memberId)
      .where(sql`status = 'current'`),
  ],
);

/**
 * The shared Moves rate-limit budget: requests used per (bucket key, window). Windows are aligned to the top of
 * each minute/hour (time-scaled), so every worker process computes the same window start. Updated with one
 * atomic "insert ... on conflict do update ... where used < limit" per request: exact under concurrency.
 */
export const rateBudget = pgTable(
  'rate_budget',
  {
    /** e.g. "app:m" / "user:<moves user id>:h" */
    bucket: text('bucket').notNull(),
    /** Window start, ms since the epoch (app clock). */
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    used: integer('used').notNull().default(0),
    /** When the window ends: rows past it are pruned. */
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] }), index('rate_budget_expires').on(t.expiresAt)],
);

/**
 * Moves export archives members uploaded on the website. The web process only stores the upload (uploadPath,
 * under DATA_DIR) and queues the member's job; the worker reads it, merges it in one transaction and deletes it.
 */
export const archiveImports = pgTable(
  'archive_imports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    memberId: bigint('member_id', { mode: 'number' })
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    /** 'receiving' (the web process is storing the upload) | 'pending' | 'running' | 'done' | 'failed' */
    status: text('status').notNull().default('pending'),
    /** The name the member's browser gave the file (shown back to them, never used as a path). */
    fileName: text('file_name').notNull(),
    /** The temporary copy; null once deleted. */
    uploadPath: text('upload_path'),
    /** The file's size; while 'receiving', the disk space reserved for it. */
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    /** Processing progress in bytes of storyline JSON read, of the total the archive declares. */
    progressDone: bigint('progress_done', { mode: 'number' }).notNull().default(0),
    progressTotal: bigint('progress_total', { mode: 'number' }).notNull().default(0),
    /** The import report (days added, replaced, already current, skipped, range, published). */
    report: jsonb('report'),
    error: text('error'),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    index('archive_imports_member').on(t.memberId, t.id),
    // One upload per member at a time, from the moment it starts arriving: decided by the database, not a check.
    uniqueIndex('archive_imports_one_unfinished')
      .on(t.memberId)
      .where(sql`status in ('receiving', 'pending', 'running')`),
  ],
);

/**
 * Days an import refused (too large, broken), one row per member and date with the newest reason: the day's page
 * says why it is missing, and the import page offers the whole list. Removed when a later import stores the day.
 */
export const refusedDays = pgTable(
  'refused_days',
  {
    memberId: bigint('member_id', { mode: 'number' })
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    /** yyyyMMdd. */
    date: text('date').notNull(),
    reason: text('reason').notNull(),
    /** The file the day came in, as the member named it. */
    fileName: text('file_name').notNull(),
    refusedAt: ts('refused_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.date] })],
);

/**
 * Uploads to Open Humans that were started (step 1 gave a file id) but not confirmed. The row is removed when the
 * upload completes; a failed or crashed upload's file is completed and deleted by id (src/sync/upload-cleanup.ts),
 * so nothing unfinished stays in the member's account. The pre-signed PUT URL is encrypted like the tokens.
 */
export const pendingUploads = pgTable(
  'pending_uploads',
  {
    ohFileId: bigint('oh_file_id', { mode: 'number' }).primaryKey(),
    memberId: bigint('member_id', { mode: 'number' })
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    putUrl: text('put_url').notNull(),
    startedAt: ts('started_at').notNull().defaultNow(),
  },
  (t) => [index('pending_uploads_member').on(t.memberId)],
);

/** Signatures of Moves notifications already accepted, until their timestamp leaves the accepted window. */
export const movesNotificationsSeen = pgTable(
  'moves_notifications_seen',
  {
    signature: text('signature').primaryKey(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('moves_notifications_seen_expires').on(t.expiresAt)],
);
