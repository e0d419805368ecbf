// The web scenario's client side in a process of its own: the round-robin balancer (when there are several
// backends) and autocannon. The emulators run in the benchmark's process, and a week they generate holds its
// event loop for tens of milliseconds: measured from there, every such pause would count as the app's latency.
// (Not a worker thread: autocannon, loaded in one, takes itself for one of its own workers.)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { round } from './results.ts';
import { startRoundRobin } from './round-robin.ts';

export interface LoadRequest {
  /** One backend, or several behind the benchmark's round-robin. */
  backends: string[];
  paths: string[];
  cookie: string;
  connections: number;
  seconds: number;
}

export interface PathLoad {
  path: string;
  /** What the signed-in cookie got before the load (a redirect means the figures are not the page's). */
  firstStatus: number;
  firstLocation: string | null;
  p50Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface LoadResult {
  paths: PathLoad[];
  /** Connections handed to each backend (several backends only). */
  connectionsPerBackend?: number[];
}

async function runLoad(req: LoadRequest, log: (m: string) => void): Promise<LoadResult> {
  const balancer = req.backends.length > 1 ? await startRoundRobin(req.backends) : undefined;
  const url = balancer?.url ?? req.backends[0]!;
  const headers = { cookie: req.cookie };
  try {
    const paths: PathLoad[] = [];
    for (const path of req.paths) {
      const first = await fetch(url + path, { headers, redirect: 'manual' });
      await first.arrayBuffer();
      await autocannon({ url: url + path, connections: 10, duration: 1, headers }); // warm-up
      log(`${path} for ${req.seconds} s at ${req.connections} connections`);
      const r = await autocannon({
        url: url + path,
        connections: req.connections,
        duration: req.seconds,
        headers,
      });
      paths.push({
        path,
        firstStatus: first.status,
        firstLocation: first.headers.get('location'),
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
        requestsPerSecond: round(r.requests.average, 1),
        requests: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors,
      });
    }
    return { paths, ...(balancer ? { connectionsPerBackend: balancer.counts() } : {}) };
  } finally {
    await balancer?.close();
  }
}

/** Runs the load in a child process; its progress lines come back through `log`. */
export function loadInProcess(req: LoadRequest, log: (m: string) => void): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, BENCH_LOAD: JSON.stringify(req) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m: { log?: string; result?: LoadResult; error?: string }) => {
      if (m.log) log(m.log);
      if (m.result) resolve(m.result);
      if (m.error) reject(new Error(m.error));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`load process exited (code ${code}) without a result`)));
  });
}

if (process.env.BENCH_LOAD && process.send) {
  const send = (m: Record<string, unknown>) => new Promise((r) => process.send!(m, r));
  try {
    const result = await runLoad(
      JSON.parse(process.env.BENCH_LOAD) as LoadRequest,
      (l) => void send({ log: l }),
    );
    await send({ result });
  } catch (err) {
    await send({ error: (err as Error).message });
  }
  process.exit(0);
}
