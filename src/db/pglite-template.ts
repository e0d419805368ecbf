// The embedded database starts from a template: a migrated PGlite data directory built once per install
// (`npm install` runs `oh-moves db-template`) and copied into a fresh DATA_DIR/pg. initdb inside the app process
// takes seconds and leaves ~800 MB resident (its WebAssembly memory is never handed back); copying the ~40 MB
// template takes a tenth of a second. Without a template (install scripts skipped), the first start builds one in
// a short-lived child process, so the app process still never runs initdb itself.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'oh-moves');

/**
 * PostgreSQL settings for a small single-user app: 16 MB of shared buffers instead of 128 MB (PGlite's default)
 * keeps the process near 200 MB; the operating system's file cache still holds the hot pages.
 */
export const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Changes whenever PGlite, pg-boss or our migrations change: a stale template is rebuilt, never reused. */
export function templateKey(): string {
  const hash = crypto.createHash('sha256');
  for (const file of [
    'node_modules/@electric-sql/pglite/package.json',
    'node_modules/pg-boss/package.json',
    'drizzle/meta/_journal.json',
  ])
    hash.update(readIfExists(path.join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

export function templateDir(): string {
  return path.join(CACHE_DIR, `pglite-${templateKey()}`);
}

/**
 * Builds the template in this process (the `db-template` command runs this, in its own process). `prepare`
 * migrates the fresh database; the template is only moved into place once that succeeded.
 */
export async function buildTemplate(
  prepare: (pglite: PGlite) => Promise<void>,
  dir = templateDir(),
): Promise<string> {
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const building = `${dir}.${process.pid}.tmp`;
  fs.rmSync(building, { recursive: true, force: true });
  const pglite = await PGlite.create({ dataDir: building, startParams: EMBEDDED_START_PARAMS });
  try {
    await prepare(pglite);
  } finally {
    if (!pglite.closed) await pglite.close();
  }
  try {
    fs.renameSync(building, dir);
  } catch (err) {
    // Another process finished the same template first: theirs is as good as ours.
    fs.rmSync(building, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw err;
  }
  for (const old of fs.readdirSync(path.dirname(dir)))
    if (old.startsWith('pglite-') && path.join(path.dirname(dir), old) !== dir && !old.endsWith('.tmp'))
      fs.rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
  return dir;
}

/** Runs `oh-moves db-template` in a child process; resolves to the template, or undefined if that failed. */
async function buildTemplateInChild(): Promise<string | undefined> {
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'oh-moves.js'), 'db-template'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
  } catch {
    return undefined;
  }
  const dir = templateDir();
  return fs.existsSync(dir) ? dir : undefined;
}

/**
 * Fills an absent or empty data directory from the template. Returns false when no template could be had: PGlite
 * then runs initdb itself, as before. An existing database is never touched.
 */
export async function seedFromTemplate(pgDir: string): Promise<boolean> {
  if (fs.existsSync(pgDir) && fs.readdirSync(pgDir).length > 0) return false;
  const template = fs.existsSync(templateDir()) ? templateDir() : await buildTemplateInChild();
  if (!template) return false;
  const partial = `${pgDir}.seeding`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.cpSync(template, partial, { recursive: true });
  fs.rmSync(pgDir, { recursive: true, force: true });
  fs.renameSync(partial, pgDir);
  return true;
}
