// Builds the one AppContext each role receives: config, logger, database, queue, clock, crypto, the upstream
// clients and the domain services. Each service owns its tables (docs/architecture.md): routes, jobs, the CLI
// and the archive import reach the data only through them.
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { SampleExports } from './archive/sample-exports.ts';
import type { Config } from './config.ts';
import { openDatabase, type Database, type Db } from './db/database.ts';
import { runMigrations } from './db/migrate.ts';
import { startBoss, type BossOptions } from './jobs/boss.ts';
import { createQueues } from './jobs/queues.ts';
import { handBackDeadJobs } from './jobs/recovery.ts';
import { requeueStrandedSyncs } from './sync/stranded.ts';
import { deriveKeys, loadOrCreateSandboxSecret, type DerivedKeys } from './crypto/keys.ts';
import { TokenCipher } from './crypto/token-cipher.ts';
import { systemClock, type Clock } from './util/clock.ts';
import { VERSION } from './version.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { OpenHumansClient } from './openhumans/client.ts';
import { MovesClient } from './moves/client.ts';

import { createAccountService, type AccountService } from './accounts/service.ts';
import { MemberViewCache, TransactionViews } from './accounts/member-view-cache.ts';
import { createQueueService, type QueueService } from './jobs/queue.ts';
import { createPublishedFiles, type PublishedFiles } from './sync/published-files.ts';
import { createSyncStateService, type SyncStateService } from './sync/sync-state.ts';
import { createWeekStore, type WeekStore } from './sync/week-store.ts';
import { createArchiveImports, type ArchiveImports } from './imports/archive-imports.ts';
import { createRateBudget, type RateBudget } from './sync/rate-budget.ts';
import { createPendingUploads, type PendingUploads } from './sync/upload-cleanup.ts';
import { createNotificationReplays, type NotificationReplays } from './moves/notification-replay-store.ts';
import { createInsightsService, type InsightsService } from './insights/service.ts';

/** The domain services: each owns its tables and their SQL. */
export interface Services {
  /** members, moves_accounts: sign-in, the Moves link, tokens, "needs reconnecting", removals. */
  accounts: AccountService;
  /** stored_weeks. */
  weeks: WeekStore;
  /** published_files. */
  publishing: PublishedFiles;
  /** sync_state, sync_events. */
  syncState: SyncStateService;
  /** pg-boss: every send, cancel, schedule and worker. */
  queue: QueueService;
  /** archive_imports: the records of uploaded export archives. */
  imports: ArchiveImports;
  /** rate_budget: the Moves requests every worker shares, one atomic statement per request. */
  rateBudget: RateBudget;
  /** pending_uploads: uploads started on Open Humans but not confirmed. */
  pendingUploads: PendingUploads;
  /** moves_notifications_seen: replay protection for Moves notifications. */
  notificationReplays: NotificationReplays;
  /** week_insights: each stored week's day summaries, for the history pages (years, places, journeys, map). */
  insights: InsightsService;
  /** Runs `fn` in one database transaction: the services on the context it receives write inside it. */
  transaction<T>(fn: (tx: AppContext) => Promise<T>): Promise<T>;
}

export interface AppContext extends Services {
  config: Config;
  logger: Logger;
  database: Database;
  db: Db;
  boss: PgBoss;
  clock: Clock;
  keys: DerivedKeys;
  cipher: TokenCipher;
  metrics: Metrics;
  /**
   * Whether saving a week also writes its day summaries (ctx.insights). Always true in the app; the benchmark
   * turns it off to time imports and syncs as they ran before the summaries existed.
   */
  weekSummaries: boolean;
  /** What the dashboard reads about a member, kept briefly; every service writing a member's rows tells it. */
  memberViews: MemberViewCache;
  /** Open Humans API client (OAuth2, member data, uploads), built from config.openHumans. */
  openHumans: OpenHumansClient;
  /** Moves API client (OAuth2, profile, storyline), built from config.moves. */
  moves: MovesClient;
  version: string;
  /** Only in the sandbox: the sample export GET /import/sample serves (src/sandbox.ts provides it). */
  sampleExports?: SampleExports;
  /** Aborted when the process starts shutting down: long jobs checkpoint and hand their work back. */
  shutdownSignal: AbortSignal;
  /** Starts the shutdown: stop taking jobs, let running ones finish or hand them back, close the database. */
  close(): Promise<void>;
}

/**
 * How long a member's dashboard view may be reused when no write in this process changed it: the longest a
 * worker process's progress takes to show on another process's dashboard (which polls every 2 s anyway).
 */
export const MEMBER_VIEW_MAX_AGE_MS = 1000;
/**
 * How much longer an expired view still answers while its reload waits behind other queries (a backfill on the
 * embedded store): requests then never wait for the database, and what they see is at most one reload older.
 */
export const MEMBER_VIEW_STALE_MS = 5000;

export interface BuildContextOptions {
  config: Config;
  logger: Logger;
  /** Use an already open database (tests); otherwise open what the config names. */
  database?: Database;
  boss?: BossOptions;
  clock?: Clock;
  /**
   * Hand back every job left `active` and requeue members left without a job. Only safe when no other process
   * can run jobs on this database: by default, on the embedded store opened (and locked) here.
   */
  recoverJobs?: boolean;
  /** The sandbox's sample exports (`Sandbox.samples`); absent outside the sandbox. */
  sampleExports?: SampleExports;
  /** False only in the benchmark's comparison runs (AppContext.weekSummaries). */
  weekSummaries?: boolean;
}

export async function buildContext(opts: BuildContextOptions): Promise<AppContext> {
  const { config, logger } = opts;
  const database =
    opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const controller = new AbortController();
  try {
    await runMigrations(database);
    const { boss, rebuilt } = await startBoss(database, logger, opts.boss);
    await createQueues(boss);
    const recoverJobs = opts.recoverJobs ?? (!opts.database && database.kind === 'pglite');
    if (recoverJobs) await handBackDeadJobs(boss, database.sql, logger);
    const secretKey = config.secretKey ?? loadOrCreateSandboxSecret(path.resolve(config.dataDir));
    const keys = deriveKeys(secretKey);
    let closing: Promise<void> | undefined;
    const clock = opts.clock ?? systemClock();
    const metrics = createMetrics();
    const userAgent = `oh-moves/${VERSION}`;
    const base: Omit<AppContext, keyof Services> = {
      config,
      logger,
      database,
      db: database.db,
      boss,
      clock,
      keys,
      cipher: new TokenCipher(keys.tokens),
      metrics,
      memberViews: new MemberViewCache(MEMBER_VIEW_MAX_AGE_MS, undefined, MEMBER_VIEW_STALE_MS),
      weekSummaries: opts.weekSummaries ?? true,
      openHumans: new OpenHumansClient({
        clientId: config.openHumans.clientId,
        clientSecret: config.openHumans.clientSecret,
        baseUrl: config.openHumans.baseUrl,
        redirectUri: `${config.appBaseUrl}/complete`,
        datatypes: config.openHumans.datatypes,
        metrics,
        clock,
        userAgent,
      }),
      moves: new MovesClient({
        clientId: config.moves.clientId,
        clientSecret: config.moves.clientSecret,
        apiBase: config.moves.apiBase,
        redirectUri: config.moves.redirectUri,
        metrics,
        clock,
        userAgent,
      }),
      version: VERSION,
      ...(opts.sampleExports ? { sampleExports: opts.sampleExports } : {}),
      shutdownSignal: controller.signal,
      close() {
        closing ??= (async () => {
          controller.abort();
          try {
            await boss.stop({ graceful: true, timeout: config.shutdownTimeoutMs, close: false });
          } catch (err) {
            logger.error({ err }, 'job queue did not stop cleanly');
          }
          await database.close();
        })();
        return closing;
      },
    };
    const ctx = withServices(base);
    if (recoverJobs || rebuilt) await requeueStrandedSyncs(ctx);
    return ctx;
  } catch (err) {
    controller.abort();
    await database.close().catch(() => {});
    throw err;
  }
}

/** The context with its services, each bound to the context's database handle (read when called). */
function withServices(base: Omit<AppContext, keyof Services>): AppContext {
  const ctx = base as AppContext;
  const services: Services = {
    accounts: createAccountService(ctx),
    weeks: createWeekStore(ctx),
    publishing: createPublishedFiles(ctx),
    syncState: createSyncStateService(ctx),
    queue: createQueueService(ctx),
    imports: createArchiveImports(ctx),
    rateBudget: createRateBudget(ctx),
    pendingUploads: createPendingUploads(ctx),
    notificationReplays: createNotificationReplays(ctx),
    insights: createInsightsService(ctx),
    async transaction(fn) {
      const memberViews = new TransactionViews(ctx.memberViews);
      try {
        return await ctx.db.transaction((tx) =>
          fn(withServices({ ...ctx, db: tx as unknown as Db, memberViews })),
        );
      } finally {
        memberViews.settle();
      }
    },
  };
  return Object.assign(ctx, services);
}
