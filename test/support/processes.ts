// Child processes for tests that run oh-moves as people do (npm start, npx oh-moves web…): collected output,
// a wait for a log line, and a group kill in afterAll so nothing outlives the test file.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { until } from './wait.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface RunningProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

const started: ChildProcess[] = [];

/** Runs a command in its own process group (as a terminal runs a foreground job), output collected. */
export function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): RunningProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, LOG_FORMAT: 'json', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (re: RegExp, timeoutMs = 90_000) => {
    let m = null as RegExpExecArray | null;
    await until(() => (m = re.exec(output)) !== null || child.exitCode !== null, `${re}`, {
      timeoutMs,
      intervalMs: 100,
    }).catch(() => {});
    if (m) return m;
    throw new Error(`no ${re} in the output of ${command} ${args.join(' ')}:\n${output}`);
  };
  return { child, exited, output: () => output, waitFor };
}

/** Sends a signal to a process's whole group, as Ctrl-C in a terminal does. */
export function signalGroup(p: RunningProcess, signal: NodeJS.Signals): void {
  process.kill(-p.child.pid!, signal);
}

/** For afterAll: kills every group this file started that is still running. */
export function killAllStarted(): void {
  for (const c of started) {
    try {
      if (c.exitCode === null && c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
