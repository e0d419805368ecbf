// An AppContext for a benchmark: the real buildContext on a private database — a temporary PGlite directory,
// or a fresh PostgreSQL database on the local server that the benchmark creates and drops.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import { systemClock } from '../../src/util/clock.ts';

export const POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  kind: 'pglite' | 'postgres';
  /** Environment for the app (and for worker child processes): DATA_DIR and, for PostgreSQL, DATABASE_URL. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** True when the local PostgreSQL server answers (the many-member scenarios need it for two workers). */
export async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function createBenchDatabase(kind: 'pglite' | 'postgres'): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-bench-'));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') return { kind, env: { DATA_DIR: dataDir }, drop: async () => removeDir() };
  const name = `ohmoves_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
        removeDir();
      }
    },
  };
}

export interface BenchContextOptions {
  env: Record<string, string>;
  /** Start with the app clock this far ahead of real time (ms). */
  clockOffsetMs?: number;
  /** Run pg-boss maintenance here (one process per cluster should). */
  supervise?: boolean;
  /** False: weeks are saved without their day summaries (the insights scenario's comparison runs). */
  weekSummaries?: boolean;
}

export type BenchContext = AppContext & { clockOffset: { offsetMs: number } };

export async function createBenchContext(opts: BenchContextOptions): Promise<BenchContext> {
  const config = loadConfig(opts.env);
  const clock = systemClock(opts.clockOffsetMs ?? 0);
  const ctx = await buildContext({
    config,
    logger: createLogger(config.logLevel),
    clock,
    boss: { schedule: false, supervise: opts.supervise ?? true },
    ...(opts.weekSummaries === false ? { weekSummaries: false } : {}),
  });
  return Object.assign(ctx, { clockOffset: clock });
}
