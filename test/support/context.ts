// An AppContext for tests: a private database, quiet logs, sandbox-style config unless overridden.
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { createLogger } from '../../src/logger.ts';
import { systemClock, type Clock } from '../../src/util/clock.ts';
import { createTestDatabase, type StoreKind, type TestDatabase } from './database.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestContextOptions {
  store?: StoreKind;
  env?: Record<string, string>;
  clock?: Clock;
  schedule?: boolean;
  /** Run pg-boss maintenance (expiry, lost heartbeats) in this context. */
  supervise?: boolean;
  /** Log here instead of to stdout at the config's level (tests that read the log). */
  logger?: Logger;
}

export interface TestContext extends AppContext {
  testDatabase: TestDatabase;
}

export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-ctx-'));
  return loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'test-secret-key-0123456789abcdefghijkl',
    ...env,
  });
}

export async function createTestContext(opts: TestContextOptions = {}): Promise<TestContext> {
  const config = testConfig(opts.env);
  const testDatabase = await createTestDatabase(opts.store ?? 'pglite');
  const ctx = await buildContext({
    config,
    logger: opts.logger ?? createLogger(config.logLevel),
    database: testDatabase,
    clock: opts.clock ?? systemClock(),
    boss: { schedule: opts.schedule ?? false, supervise: opts.supervise ?? false },
  });
  return Object.assign(ctx, { testDatabase });
}
