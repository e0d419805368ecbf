// An exclusive lock file for the PGlite data directory. PGlite does not lock its directory itself, and two
// processes on one directory silently lose writes, so a second process must stop at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

export class LockHeldError extends Error {
  readonly lockPath: string;
  readonly holder: LockHolder;

  constructor(lockPath: string, holder: LockHolder) {
    super(
      `The data directory is in use: lock file ${lockPath} is held by process ${holder.pid} on ${holder.hostname} ` +
        `(since ${holder.startedAt}). Stop that process first, or point DATA_DIR at another directory. ` +
        `To run several processes, use a PostgreSQL server (DATABASE_URL).`,
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
    // unreadable or half-written: treated as stale below
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(lockPath: string, me: LockHolder): boolean {
  try {
    const fd = fs.openSync(lockPath, 'wx', 0o644);
    fs.writeSync(fd, JSON.stringify(me));
    fs.closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Takes the lock or throws LockHeldError naming the holder. A lock left by a dead process on this host is taken
 * over; the takeover itself is serialised by a short-lived second lock so two starters cannot both win.
 */
export function acquireDirectoryLock(dir: string, fileName = 'oh-moves.lock'): DirectoryLock {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.resolve(dir, fileName);
  const me: LockHolder = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };

  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(lockPath, me)) return makeLock(lockPath);
    const holder = readHolder(lockPath);
    if (holder && (holder.hostname !== me.hostname || isAlive(holder.pid)) && holder.pid !== process.pid)
      throw new LockHeldError(lockPath, holder);
    takeOverStale(lockPath, holder);
  }
  const holder = readHolder(lockPath);
  throw new LockHeldError(lockPath, holder ?? { pid: -1, hostname: 'unknown', startedAt: 'unknown' });
}

function takeOverStale(lockPath: string, seen: LockHolder | undefined): void {
  const guard = `${lockPath}.takeover`;
  try {
    const stat = fs.statSync(guard);
    // A guard older than 10 s belongs to a starter that died mid-takeover.
    if (Date.now() - stat.mtimeMs > 10_000) fs.rmSync(guard, { force: true });
  } catch {
    // no guard
  }
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx');
  } catch {
    return; // someone else is taking over; the caller retries
  }
  try {
    const now = readHolder(lockPath);
    // Only remove the lock if it is still the stale one we looked at.
    if (JSON.stringify(now) === JSON.stringify(seen)) fs.rmSync(lockPath, { force: true });
  } finally {
    fs.closeSync(fd);
    fs.rmSync(guard, { force: true });
  }
}

function makeLock(lockPath: string): DirectoryLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    const holder = readHolder(lockPath);
    if (holder?.pid === process.pid) fs.rmSync(lockPath, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return { path: lockPath, release };
}
