// `npm start` as a person runs it in a terminal: the first line says the mode, the address and the data folder;
// a second start in the same folder refuses before starting anything; Ctrl-C (SIGINT to the whole process group,
// npm included) stops cleanly and leaves no lock behind; SIGTERM to npm alone, as a process manager or a container
// runtime sends it, stops the service too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirectoryLock } from '../../src/db/lock-file.ts';
import { killAllStarted, runProcess, signalGroup } from '../support/processes.ts';
import { until } from '../support/wait.ts';

afterAll(killAllStarted);

describe('npm start in a terminal', () => {
  it('says where it runs, refuses a second start at once, and stops cleanly on Ctrl-C', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-term-'));
    const env = { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' };
    const first = runProcess('npm', ['start'], { env });
    const running = await first.waitFor(/oh-moves is running at (http:\/\/127\.0\.0\.1:\d+)/);
    // npm echoes the script first; the app's own first line follows.
    const appLines = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const firstLine = JSON.parse(appLines[0]!) as { msg: string };
    expect(firstLine.msg).toMatch(/sandbox mode/);
    expect(firstLine.msg).toContain(path.join(dataDir, 'pg'));
    expect(firstLine.msg).toMatch(/web on http:\/\/127\.0\.0\.1:/);
    expect((await fetch(`${running[1]}/healthz`)).status).toBe(200);
    const lockFile = path.join(dataDir, 'oh-moves.lock');
    const holder = (JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number }).pid;

    const second = runProcess('npm', ['start'], { env });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toContain(`is held by process ${holder}`);
    // Refused before anything started: no emulator, no database, no web server.
    expect(second.output()).not.toMatch(/emulator|listening|starting/i);

    signalGroup(first, 'SIGINT');
    await first.waitFor(/stopped cleanly/, 60_000);
    await until(() => !fs.existsSync(lockFile), 'the lock file to be removed', { timeoutMs: 30_000 });
    expect(first.output()).not.toMatch(/second signal|took too long|shutdown failed/);
  });

  it('stops the service when npm alone gets SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohm-term-'));
    const npm = runProcess('npm', ['start'], { env: { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' } });
    await npm.waitFor(/oh-moves is running at/);
    const service = (
      JSON.parse(fs.readFileSync(path.join(dataDir, 'oh-moves.lock'), 'utf8')) as { pid: number }
    ).pid;
    expect(service).not.toBe(npm.child.pid);

    npm.child.kill('SIGTERM'); // npm's pid only, not its process group
    await npm.exited;
    const alive = () => {
      try {
        process.kill(service, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(() => !alive(), 'the service to exit', { timeoutMs: 45_000 });
    expect(npm.output()).toMatch(/stopped cleanly/);
    acquireDirectoryLock(dataDir, { waitMs: 0 }).release(); // the lock was released with it
  });
});
