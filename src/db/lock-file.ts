// The embedded store's directory lock. PGlite does not lock its directory itself, and two processes on one
// directory silently lose writes, so a second process must stop at once. The lock proper is an operating-system
// file lock (SQLite's exclusive lock on `oh-moves.lock.sqlite`, through node:sqlite): the kernel drops it the
// moment its process dies, kill -9 included, whatever host, container or PID namespace the process ran in, so a
// dead holder never blocks a start and nothing has to guess from PIDs or host names. `oh-moves.lock` beside it
// only says who holds the lock, for the message a refused start prints.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

/**
 * How long a start waits for the lock: a process killed a moment ago holds it until the kernel has torn it down,
 * which takes up to a second or two on a busy machine.
 */
export const LOCK_WAIT_MS = 5000;

export class LockHeldError extends Error {
  readonly lockPath: string;
  readonly holder: LockHolder | undefined;

  constructor(lockPath: string, osLockPath: string, holder: LockHolder | undefined) {
    const who = holder
      ? `process ${holder.pid} on ${holder.hostname} (since ${holder.startedAt})`
      : 'a process that has not yet written its name';
    const elsewhere =
      holder && holder.hostname !== os.hostname()
        ? ` That host is not this one (${os.hostname()}): the lock is held through the file system, which frees it ` +
          `when that process ends. If that host or container is gone for good and the lock stays, make sure no ` +
          `oh-moves runs there, then delete ${osLockPath} and start again.`
        : '';
    super(
      `The data directory is in use: lock file ${lockPath} is held by ${who}. Stop that process first, or point ` +
        `DATA_DIR at another directory. To run several processes, use a PostgreSQL server (DATABASE_URL).${elsewhere}`,
    );
    this.lockPath = lockPath;
    this.holder = holder;
    this.name = 'LockHeldError';
  }
}

export interface DirectoryLock {
  path: string;
  release(): void;
}

function readHolder(lockPath: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string')
      return { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt ?? 'unknown') };
  } catch {
    // missing, unreadable or left by an older release: the holder is unknown
  }
  return undefined;
}

const isBusy = (err: unknown) => (err as { errcode?: number }).errcode === 5; // SQLITE_BUSY

/**
 * Takes the lock (waiting up to `waitMs` for a holder that is dying) or throws LockHeldError naming the holder.
 * The lock file itself is never deleted: a file removed while a starter waits on it would let two processes in.
 */
export function acquireDirectoryLock(
  dir: string,
  opts: { fileName?: string; waitMs?: number } = {},
): DirectoryLock {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.resolve(dir, opts.fileName ?? 'oh-moves.lock');
  const osLockPath = `${lockPath}.sqlite`;
  let handle: DatabaseSync | undefined;
  try {
    handle = new DatabaseSync(osLockPath, { timeout: opts.waitMs ?? LOCK_WAIT_MS });
    handle.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    handle?.close();
    if (isBusy(err)) throw new LockHeldError(lockPath, osLockPath, readHolder(lockPath));
    throw new Error(
      `cannot lock the data directory with ${osLockPath} (${(err as Error).message}): it must be on a file ` +
        'system that supports file locks',
      { cause: err },
    );
  }
  const me: LockHolder = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
  const temporary = `${lockPath}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(me));
  fs.renameSync(temporary, lockPath);
  return makeLock(lockPath, handle);
}

function makeLock(lockPath: string, handle: DatabaseSync): DirectoryLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    if (readHolder(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
    handle.close(); // frees the operating-system lock
    process.off('exit', release);
  };
  process.on('exit', release);
  return { path: lockPath, release };
}
