// Starting the sync workers: in this process (PGlite or PostgreSQL) or as separate worker processes
// (PostgreSQL only), each a real `startWorker` with the app's job handlers.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../src/context.ts';
import { jobHandlers } from '../../src/jobs/handlers.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { startWorker, type HandlerMap } from '../../src/jobs/worker.ts';
import { appFigures, type AppFigures } from './app-metrics.ts';

/** The app's own job handlers: the benchmark's workers run the sync job exactly as `oh-moves worker` does. */
export async function requireSyncHandler(): Promise<HandlerMap> {
  if (!jobHandlers[QUEUES.syncMember])
    throw new Error(`no handler for the "${QUEUES.syncMember}" queue in src/jobs/handlers.ts`);
  return jobHandlers;
}

export async function startInProcessWorker(ctx: AppContext): Promise<void> {
  await startWorker(ctx, await requireSyncHandler());
}

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ChildApp<R> {
  child: ChildProcess;
  /** The child's first message (e.g. "ready" with a URL). */
  ready: Promise<Record<string, unknown>>;
  /** The child's final message (its result), then it exits. */
  result: Promise<R>;
  /** Asks the child to stop and report. */
  stop(): Promise<R>;
}

/** Forks bench/harness/app-process.ts with a task; messages come back over IPC. */
export function forkApp<R>(task: Record<string, unknown>, env: Record<string, string>): ChildApp<R> {
  const child = fork(path.join(here, 'app-process.ts'), [], {
    env: { ...process.env, ...env, BENCH_TASK: JSON.stringify(task) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let resolveReady!: (m: Record<string, unknown>) => void;
  let resolveResult!: (r: R) => void;
  let rejectAll!: (e: Error) => void;
  const ready = new Promise<Record<string, unknown>>((res, rej) => {
    resolveReady = res;
    rejectAll = (e) => {
      rej(e);
      rejectResult(e);
    };
  });
  let rejectResult!: (e: Error) => void;
  const result = new Promise<R>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  ready.catch(() => {});
  result.catch(() => {});
  child.on('message', (raw) => {
    const m = raw as { type: string; error?: string } & Record<string, unknown>;
    if (m.type === 'ready') resolveReady(m);
    else if (m.type === 'result') resolveResult(m as unknown as R);
    else if (m.type === 'error') rejectAll(new Error(m.error ?? 'child failed'));
  });
  child.on('exit', (code) => rejectAll(new Error(`app process exited (code ${code}) before reporting`)));
  return {
    child,
    ready,
    result,
    stop() {
      if (child.connected) child.send({ type: 'stop' });
      return result;
    },
  };
}

export type WorkerReport = { type: 'result'; figures: AppFigures; peakRssMb: number };

/** `count` worker processes on the PostgreSQL database in `env`. */
export async function startWorkerProcesses(count: number, env: Record<string, string>) {
  const apps = Array.from({ length: count }, () => forkApp<WorkerReport>({ kind: 'worker' }, env));
  await Promise.all(apps.map((a) => a.ready));
  return {
    async stop(): Promise<WorkerReport[]> {
      return Promise.all(apps.map((a) => a.stop()));
    },
  };
}

export { appFigures };
