// Per-test-file databases cloned from the run's migrated template (see global-setup.ts).
import fs from 'node:fs';
import crypto from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgres, wrapPglite, type Database } from '../../src/db/database.ts';

export type StoreKind = 'pglite' | 'postgres';

/** The stores integration tests run against: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function storeKinds(): StoreKind[] {
  return inject('postgresTemplate') ? ['pglite', 'postgres'] : ['pglite'];
}

export function postgresAvailable(): boolean {
  return inject('postgresTemplate') !== null;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase extends Database {
  /** Connection string of the per-file database (postgres only), e.g. for a second process. */
  url?: string;
}

/** A fresh, migrated database with the pg-boss schema, private to the caller. Close it when done. */
export async function createTestDatabase(kind: StoreKind = 'pglite'): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const blob = new Blob([fs.readFileSync(inject('pgliteTemplatePath'))]);
    const pglite = await PGlite.create({ loadDataDir: blob });
    return wrapPglite(pglite);
  }
  const tpl = inject('postgresTemplate');
  if (!tpl) throw new Error('TEST_DATABASE_URL is not set: no PostgreSQL server for this test');
  const name = `${tpl.database}_f${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: tpl.adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${tpl.database}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(tpl.adminUrl, name);
  const database = openPostgres(url, 5);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const c = new pg.Client({ connectionString: tpl.adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await c.end();
    },
  };
}
