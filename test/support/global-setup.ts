// Runs once per test run: builds a migrated database template that every test file clones.
// PGlite: a gzipped data directory dump. PostgreSQL (TEST_DATABASE_URL): a template database. It also says, once,
// which groups of tests this run skips and why.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPostgres, wrapPglite } from '../../src/db/database.ts';
import { prepareDatabase as prepare } from '../../src/db/prepare.ts';
import { skippedGroups } from './skipped-groups.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplatePath: string;
    postgresTemplate: { adminUrl: string; database: string } | null;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  for (const line of skippedGroups()) console.warn(`oh-moves tests: ${line}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-test-'));
  const pglite = new PGlite();
  const db = wrapPglite(pglite);
  await prepare(db);
  const dump = await pglite.dumpDataDir('gzip');
  const templatePath = path.join(dir, 'pglite-template.tar.gz');
  fs.writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  project.provide('pgliteTemplatePath', templatePath);

  let cleanupPostgres = async () => {};
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const templateName = `ohm_tpl_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${templateName}`);
    await admin.end();
    const template = openPostgres(withDatabase(adminUrl, templateName), 2);
    await prepare(template);
    await template.close();
    project.provide('postgresTemplate', { adminUrl, database: templateName });
    cleanupPostgres = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      const { rows } = await c.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or datname like $2`,
        [templateName, `${templateName}_f%`],
      );
      for (const r of rows) await c.query(`drop database if exists ${r.datname} with (force)`);
      await c.end();
    };
  } else {
    project.provide('postgresTemplate', null);
  }

  return async () => {
    await cleanupPostgres();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
