// `oh-moves import-archive --member ID FILE` end to end: configuration from the environment, a real data directory,
// the printed report and exit codes.
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, UsageError } from '../../src/cli.ts';
import { loadConfig } from '../../src/config.ts';
import { buildContext, type AppContext } from '../../src/context.ts';
import { storedWeeks, syncState } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { createMember, dates, jackson, storylineDay, tempDir, writeFile, zipBuffer } from './fixtures.ts';

let dir: string;
let env: Record<string, string>;
let ohMemberId: string;
let memberId: number;

async function withContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const ctx = await buildContext({
    config,
    logger: createLogger('silent'),
    boss: { schedule: false, supervise: false },
  });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Runs the CLI with this test's environment, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number | 'running'; out: string; err: string }> {
  const saved = { ...process.env };
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  Object.assign(process.env, env);
  delete process.env.DATABASE_URL;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(['import-archive', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
    process.env = saved;
  }
}

beforeAll(async () => {
  dir = tempDir();
  env = {
    DATA_DIR: path.join(dir, 'data'),
    SECRET_KEY: 'test-secret-key-0123456789abcdefghijkl',
    LOG_LEVEL: 'silent',
  };
  ({ memberId, ohMemberId } = await withContext((ctx) => createMember(ctx)));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('import-archive command', () => {
  it('imports an export zip for the member, prints the report and queues a sync', async () => {
    const days = dates('20160104', 10).map((d) => storylineDay(d));
    const entries: unknown[] = [...days, { date: 'yesterday' }];
    const jsonZip = await zipBuffer({ 'json/full/storyline.json': jackson(entries) });
    const file = writeFile(dir, 'moves_export.zip', await zipBuffer({ 'moves_export/json.zip': jsonZip }));

    const { code, out } = await run(['--member', ohMemberId, file]);

    expect(code).toBe(0);
    expect(out).toContain(
      `Member ${ohMemberId}: imported 10 days in 2 weeks (archive covers 20160104 to 20160113) from json/full/storyline.json`,
    );
    expect(out).toMatch(
      /Skipped 1 invalid entry:\n {2}json\/full\/storyline\.json, item 11: date must be yyyyMMdd/,
    );
    expect(out).toContain('Now stored: 10 days, 20160104 to 20160113.');
    expect(out).toContain('The member’s job is queued: the data will be published to Open Humans.');
    await withContext(async (ctx) => {
      const rows = await ctx.db
        .select({ week: storedWeeks.week, dayCount: storedWeeks.dayCount, source: storedWeeks.source })
        .from(storedWeeks)
        .where(eq(storedWeeks.memberId, memberId))
        .orderBy(asc(storedWeeks.week));
      expect(rows).toEqual([
        { week: '2016-W01', dayCount: 7, source: 'archive' },
        { week: '2016-W02', dayCount: 3, source: 'archive' },
      ]);
      const [state] = await ctx.db
        .select({ status: syncState.status })
        .from(syncState)
        .where(eq(syncState.memberId, memberId));
      expect(state?.status).toBe('queued');
    });
  });

  it('fails with a clear message for an unknown member or an unreadable archive', async () => {
    const file = writeFile(dir, 'storyline.json', jackson([storylineDay('20160201')]));
    const unknown = await run(['--member', '87654321', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /no member with Open Humans project member id 87654321.*Nothing was imported/,
    );

    const broken = writeFile(dir, 'broken.zip', Buffer.from('PK\u0003\u0004 definitely not a whole zip'));
    const corrupt = await run(['--member', ohMemberId, broken]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.err).toMatch(/broken\.zip is not a readable zip archive/);
  });

  it('refuses missing or malformed arguments before touching the database', async () => {
    await expect(main(['import-archive', 'x.zip'])).rejects.toThrow(/needs --member ID/);
    await expect(main(['import-archive', '--member', '1234', 'x.zip'])).rejects.toThrow(UsageError);
    await expect(main(['import-archive', '--member', '12345678'])).rejects.toThrow(/exactly one FILE/);
    await expect(
      main(['import-archive', '--member', '12345678', path.join(dir, 'nope.zip')]),
    ).rejects.toThrow(/no such file/);
  });
});
