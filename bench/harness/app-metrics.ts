// Reads the app's own counters (src/metrics.ts) as plain numbers, to compare with what the emulators saw.
import type { Counter } from 'prom-client';
import type { Metrics } from '../../src/metrics.ts';

async function total<T extends string>(
  c: Counter<T>,
  filter?: (labels: Partial<Record<T, string | number>>) => boolean,
): Promise<number> {
  const { values } = await c.get();
  return values.filter((v) => !filter || filter(v.labels)).reduce((s, v) => s + v.value, 0);
}

export interface AppFigures {
  bytesPublished: number;
  movesRequests: number;
  moves429: number;
  rateLimitWaits: number;
  syncJobs: Record<string, number>;
}

export async function appFigures(m: Metrics): Promise<AppFigures> {
  const jobs = await m.syncJobs.get();
  return {
    bytesPublished: await total(m.bytesPublished),
    movesRequests: await total(m.upstreamRequests, (l) => l.service === 'moves'),
    moves429: await total(m.moves429),
    rateLimitWaits: await total(m.rateLimitWaits),
    syncJobs: Object.fromEntries(jobs.values.map((v) => [String(v.labels.outcome ?? ''), v.value])),
  };
}

export function sumAppFigures(list: AppFigures[]): AppFigures {
  const out: AppFigures = {
    bytesPublished: 0,
    movesRequests: 0,
    moves429: 0,
    rateLimitWaits: 0,
    syncJobs: {},
  };
  for (const f of list) {
    out.bytesPublished += f.bytesPublished;
    out.movesRequests += f.movesRequests;
    out.moves429 += f.moves429;
    out.rateLimitWaits += f.rateLimitWaits;
    for (const [k, v] of Object.entries(f.syncJobs)) out.syncJobs[k] = (out.syncJobs[k] ?? 0) + v;
  }
  return out;
}
