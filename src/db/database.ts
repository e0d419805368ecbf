// One factory for the database: embedded PGlite (DATA_DIR/pg) or a PostgreSQL server (DATABASE_URL).
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.ts';
import { acquireDirectoryLock, type DirectoryLock } from './lock-file.ts';
import { EMBEDDED_START_PARAMS, seedFromTemplate } from './pglite-template.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Raw SQL access shared by pg-boss, the rate limiter and health checks. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Parameterless, possibly multi-statement SQL; returns the last statement's rows. */
  exec(text: string): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface Database {
  kind: 'pglite' | 'postgres';
  db: Db;
  sql: SqlExecutor;
  /** The PGlite instance (embedded mode only). */
  pglite?: PGlite;
  /** The pg pool (server mode only). */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Pool size for the server; pg-boss opens its own pool. */
  poolSize?: number;
  /** The data directory's lock, when the caller took it before starting anything else. */
  lock?: DirectoryLock;
}

/** Opens the database the configuration asks for. Embedded mode takes the directory lock first. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.poolSize);
  const dir = path.resolve(opts.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const lock = opts.lock ?? acquireDirectoryLock(dir);
  try {
    const pgDir = path.join(dir, 'pg');
    await seedFromTemplate(pgDir);
    const pglite = await PGlite.create({ dataDir: pgDir, startParams: EMBEDDED_START_PARAMS });
    return wrapPglite(pglite, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Multi-statement SQL yields one result per statement; callers (pg-boss) want the last one's rows. */
function lastRows(results: { rows: unknown[] } | { rows: unknown[] }[]): { rows: Record<string, unknown>[] } {
  const list = Array.isArray(results) ? results : [results];
  return { rows: (list[list.length - 1]?.rows ?? []) as Record<string, unknown>[] };
}

/**
 * PGlite runs each query synchronously on this thread and resolves it in a microtask, so a job's run of
 * queries and the work between them would hold the event loop until its next network wait: 50–150 ms at a
 * time during a backfill, during which no web request is answered. Each query therefore first yields to the
 * event loop (setImmediate), so pending requests are served between a job's queries.
 */
function yieldBeforeQueries(pglite: PGlite): void {
  const query = pglite.query.bind(pglite);
  const exec = pglite.exec.bind(pglite);
  const transaction = pglite.transaction.bind(pglite);
  pglite.query = async (...args: Parameters<PGlite['query']>) => {
    await setImmediatePromise();
    return query(...args);
  };
  pglite.exec = async (...args: Parameters<PGlite['exec']>) => {
    await setImmediatePromise();
    return exec(...args);
  };
  pglite.transaction = async <T>(callback: Parameters<PGlite['transaction']>[0]): Promise<T> => {
    await setImmediatePromise();
    return transaction(callback) as Promise<T>;
  };
}

export function wrapPglite(pglite: PGlite, lock?: DirectoryLock): Database {
  yieldBeforeQueries(pglite);
  const sqlExec: SqlExecutor = {
    async query<R>(text: string, params?: unknown[]) {
      const r = await pglite.query<R>(text, params as unknown[]);
      return { rows: r.rows };
    },
    exec: async (text: string) => lastRows(await pglite.exec(text)),
  };
  return {
    kind: 'pglite',
    db: drizzlePglite(pglite, { schema }) as unknown as Db,
    sql: sqlExec,
    pglite,
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

export function openPostgres(databaseUrl: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const sqlExec: SqlExecutor = {
    async query<R>(text: string, params?: unknown[]) {
      const r = await pool.query(text, params);
      return { rows: r.rows as R[] };
    },
    exec: async (text: string) => lastRows((await pool.query(text)) as pg.QueryResult | pg.QueryResult[]),
  };
  return {
    kind: 'postgres',
    db: drizzlePg(pool, { schema }) as unknown as Db,
    sql: sqlExec,
    pool,
    async close() {
      await pool.end();
    },
  };
}
