import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../support/context.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createQueues } from '../../src/jobs/queues.ts';
import { killAllStarted, ROOT, runProcess } from '../support/processes.ts';

afterAll(killAllStarted);

// A first embedded start without a template runs initdb: under heavy load it has taken over 40 s (runProcess
// waits 90 s for a line).
function runCli(dataDir: string, extraEnv: Record<string, string> = {}) {
  return runProcess(process.execPath, [path.join(ROOT, 'bin/oh-moves.js'), 'start'], {
    cwd: dataDir,
    env: { DATA_DIR: path.join(dataDir, 'data'), PORT: '0', LOG_LEVEL: 'info', ...extraEnv },
  });
}

describe('process lifecycle', () => {
  it('serves /healthz, refuses a second process on the same directory, and stops cleanly on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-life-'));
    const first = runCli(dir);
    const m = await first.waitFor(/"role":"web".*Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    const url = m[1]!;
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(fs.existsSync(path.join(dir, 'data', 'pg'))).toBe(true);

    const second = runCli(dir);
    expect(await second.exited).toBe(2);
    expect(second.output()).toMatch(/lock file .*oh-moves\.lock is held by process \d+/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/stopped cleanly/);
    expect(fs.existsSync(path.join(dir, 'data', 'oh-moves.lock'))).toBe(false);
  }, 150_000);

  it('lets a running job finish before closing the database', async () => {
    const ctx = await createTestContext();
    await createQueues(ctx.boss, [{ name: 'slow' }]);
    let finished = false;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    await startWorker(ctx, {
      slow: async () => {
        started();
        // Still working after the shutdown began, and the database still open for it.
        await new Promise((r) => ctx.shutdownSignal.addEventListener('abort', r, { once: true }));
        await ctx.database.sql.query('select 1');
        finished = true;
      },
    });
    await ctx.boss.send('slow', {});
    await running;
    await ctx.close();
    expect(finished).toBe(true);
    expect(ctx.shutdownSignal.aborted).toBe(true);
  });

  it('hands a job that outlives the shutdown timeout back to the queue', async () => {
    const ctx = await createTestContext({ env: { SHUTDOWN_TIMEOUT_SECONDS: '1' } });
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    await createQueues(ctx.boss, [{ name: 'stuck', retryLimit: 3 }]);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    await startWorker(ctx, {
      stuck: async () => {
        started();
        await stuck; // never settles within the test: the shutdown timeout passes first
      },
    });
    const id = await ctx.boss.send('stuck', {});
    await running;
    // Stop pg-boss (not the database) so we can look at the job afterwards.
    await ctx.boss.stop({ graceful: true, timeout: 1000, close: false });
    const job = await ctx.boss.getJobById('stuck', id!);
    expect(job?.state).toBe('retry');
    release();
    await ctx.testDatabase.close();
  });
});
