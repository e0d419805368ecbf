import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDirectoryLock, LockHeldError } from '../../src/db/lock-file.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Starts a process that holds nothing but stays alive, to stand in for another oh-moves. */
function livingProcess(): Promise<{ pid: number; kill(): void }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return new Promise((resolve) =>
    child.once('spawn', () => resolve({ pid: child.pid!, kill: () => child.kill() })),
  );
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('data directory lock file', () => {
  it('is taken, refused to a second holder with the holder named, and released', async () => {
    const dir = tempDir();
    const lock = acquireDirectoryLock(dir);
    const other = await livingProcess();
    try {
      // Pretend another live process holds it.
      fs.writeFileSync(
        lock.path,
        JSON.stringify({ pid: other.pid, hostname: os.hostname(), startedAt: 'then' }),
      );
      let error: unknown;
      try {
        acquireDirectoryLock(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LockHeldError);
      expect((error as Error).message).toContain(lock.path);
      expect((error as Error).message).toContain(`process ${other.pid}`);
    } finally {
      other.kill();
    }
    fs.writeFileSync(
      lock.path,
      JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: 'now' }),
    );
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = tempDir();
    const lockPath = path.join(dir, 'oh-moves.lock');
    const pid = await deadPid();
    fs.writeFileSync(lockPath, JSON.stringify({ pid, hostname: os.hostname(), startedAt: 'long ago' }));
    const lock = acquireDirectoryLock(dir);
    expect(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('treats a corrupt lock file as stale', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'oh-moves.lock'), '{not json');
    const lock = acquireDirectoryLock(dir);
    expect(fs.existsSync(lock.path)).toBe(true);
    lock.release();
  });
});
