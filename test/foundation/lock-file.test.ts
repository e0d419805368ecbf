import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDirectoryLock, LockHeldError } from '../../src/db/lock-file.ts';

const LOCK_MODULE = path.resolve(import.meta.dirname, '../../src/db/lock-file.ts');

const dirs: string[] = [];
const children: ChildProcess[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Another process that takes the directory's lock and keeps it until it is killed. */
async function holderProcess(dir: string): Promise<ChildProcess> {
  const script = `import { acquireDirectoryLock } from ${JSON.stringify(LOCK_MODULE)};
    acquireDirectoryLock(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return child;
}

function refusal(dir: string): Error {
  try {
    acquireDirectoryLock(dir, { waitMs: 200 }).release();
  } catch (err) {
    return err as Error;
  }
  throw new Error('the lock was not refused');
}

describe('data directory lock file', () => {
  it('is refused to a second process with the holder named, and free once the holder stops', async () => {
    const dir = tempDir();
    const holder = await holderProcess(dir);
    const error = refusal(dir);
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.message).toContain(path.join(dir, 'oh-moves.lock'));
    expect(error.message).toContain(`process ${holder.pid} on ${os.hostname()}`);
    expect(error.message).not.toContain('delete'); // same host: nothing to clear by hand
    holder.kill('SIGTERM');
    await new Promise((r) => holder.once('exit', r));
    const lock = acquireDirectoryLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(lock.path)).toBe(false);
  });

  it('is refused to a second taker in the same process', () => {
    const dir = tempDir();
    const lock = acquireDirectoryLock(dir);
    expect(refusal(dir)).toBeInstanceOf(LockHeldError);
    lock.release();
    acquireDirectoryLock(dir).release();
  });

  it('is taken at once after its holder is killed with SIGKILL, before the dead process is even reaped', async () => {
    const dir = tempDir();
    const holder = await holderProcess(dir);
    holder.kill('SIGKILL');
    // Synchronously, so the dead holder is still a zombie with its PID in place: no PID check can tell.
    const lock = acquireDirectoryLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('is not blocked by a lock file a dead process wrote under another host name (a re-created container)', async () => {
    const dir = tempDir();
    const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(
      path.join(dir, 'oh-moves.lock'),
      JSON.stringify({ pid: dead.pid, hostname: 'container-before-re-creation', startedAt: 'yesterday' }),
    );
    const lock = acquireDirectoryLock(dir);
    expect(JSON.parse(fs.readFileSync(lock.path, 'utf8')).hostname).toBe(os.hostname());
    lock.release();
  });

  it('tells how to clear a lock held on another host', async () => {
    const dir = tempDir();
    await holderProcess(dir);
    // The holder's name as a process on another machine sharing the folder would have written it.
    fs.writeFileSync(
      path.join(dir, 'oh-moves.lock'),
      JSON.stringify({ pid: 4242, hostname: 'other-host', startedAt: 'then' }),
    );
    const error = refusal(dir);
    expect(error.message).toContain('process 4242 on other-host');
    expect(error.message).toContain(`delete ${path.join(dir, 'oh-moves.lock.sqlite')}`);
  });

  it('treats a corrupt lock file as naming nobody', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'oh-moves.lock'), '{not json');
    const lock = acquireDirectoryLock(dir);
    expect(fs.existsSync(lock.path)).toBe(true);
    lock.release();
  });
});
