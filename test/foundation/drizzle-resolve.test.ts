// The CLI resolves drizzle-orm's relative imports itself (src/drizzle-resolve.ts): every module must still load
// once, under the URL Node gives it, or drizzle's entity checks would fail across two copies of a class.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');

const SCRIPT = `
  const resolved = [];
  const { registerHooks } = await import('node:module');
  registerHooks({ resolve(s, c, next) { const r = next(s, c); resolved.push(r.url); return r; } });
  if (process.argv.includes('--hook')) await import('./src/drizzle-resolve.ts');
  const { is, getTableName } = await import('drizzle-orm');
  const { PgTable, pgTable, text } = await import('drizzle-orm/pg-core');
  const { drizzle } = await import('drizzle-orm/pglite');
  const t = pgTable('places', { name: text('name') });
  const urls = resolved.filter((u) => u.includes('/drizzle-orm/'));
  console.log(JSON.stringify({ isTable: is(t, PgTable), name: getTableName(t), drizzle: typeof drizzle,
    seenByNode: urls.length }));
`;

function run(withHook: boolean) {
  const r = spawnSync(NODE, ['--input-type=module', '-e', SCRIPT, '--', ...(withHook ? ['--hook'] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('drizzle-orm loading in the CLI', () => {
  it('loads the same working drizzle, and Node resolves only its entry points itself', () => {
    const plain = run(false);
    const hooked = run(true);
    for (const r of [plain, hooked])
      expect(r).toMatchObject({ isTable: true, name: 'places', drizzle: 'function' });
    // Without the hook Node resolves every internal import (hundreds); with it, only the package entry points.
    expect(plain.seenByNode as number).toBeGreaterThan(200);
    expect(hooked.seenByNode as number).toBeLessThan(10);
  });
});
