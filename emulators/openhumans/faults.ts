// Injected faults, set through POST /_control/config. Each fault is consumed by count (or drawn by
// probability) so tests can fail exactly the next N calls.
import { z } from 'zod';

export const faultConfigSchema = z.object({
  put: z
    .object({
      count: z.number().int().min(0),
      status: z.number().int().min(400).max(599).optional(),
      drop: z.boolean().optional(),
    })
    .optional(),
  complete: z
    .object({ count: z.number().int().min(0), status: z.number().int().min(400).max(599).optional() })
    .optional(),
  endpoints: z
    .array(
      z.object({
        pathPrefix: z.string().startsWith('/'),
        status: z.number().int().min(400).max(599).optional(),
        delayMs: z.number().int().min(0).max(600_000).optional(),
        count: z.number().int().min(0).optional(),
        probability: z.number().min(0).max(1).optional(),
      }),
    )
    .optional(),
  expireDownloadUrls: z.boolean().optional(),
  downloadUrlLifetimeSeconds: z.number().positive().nullable().optional(),
});
export type FaultConfig = z.infer<typeof faultConfigSchema>;

interface EndpointFault {
  pathPrefix: string;
  status: number | undefined;
  delayMs: number;
  remaining: number;
  probability: number;
}

export interface EndpointFaultDecision {
  status: number | undefined;
  delayMs: number;
}

export class Faults {
  putFailures = { remaining: 0, status: 500, drop: false };
  completeFailures = { remaining: 0, status: 500 };
  private endpoints: EndpointFault[] = [];
  /** Download keys created before this emulator time are refused ("expire download URLs early"). */
  downloadKeysValidFrom = 0;
  /** Override of the 1 hour download-key lifetime, in emulated seconds. */
  downloadUrlLifetimeSeconds: number | null = null;

  apply(config: FaultConfig, now: number): void {
    if (config.put) {
      this.putFailures = {
        remaining: config.put.count,
        status: config.put.status ?? 500,
        drop: config.put.drop ?? false,
      };
    }
    if (config.complete) {
      this.completeFailures = { remaining: config.complete.count, status: config.complete.status ?? 500 };
    }
    if (config.endpoints) {
      this.endpoints = config.endpoints.map((e) => ({
        pathPrefix: e.pathPrefix,
        status: e.status,
        delayMs: e.delayMs ?? 0,
        remaining: e.count ?? (e.probability === undefined ? 1 : Infinity),
        probability: e.probability ?? 1,
      }));
    }
    if (config.expireDownloadUrls) this.downloadKeysValidFrom = now + 1;
    if (config.downloadUrlLifetimeSeconds !== undefined) {
      this.downloadUrlLifetimeSeconds = config.downloadUrlLifetimeSeconds;
    }
  }

  reset(): void {
    this.putFailures = { remaining: 0, status: 500, drop: false };
    this.completeFailures = { remaining: 0, status: 500 };
    this.endpoints = [];
    this.downloadUrlLifetimeSeconds = null;
  }

  takePutFailure(): { status: number; drop: boolean } | undefined {
    if (this.putFailures.remaining <= 0) return undefined;
    this.putFailures.remaining -= 1;
    return { status: this.putFailures.status, drop: this.putFailures.drop };
  }

  takeCompleteFailure(): number | undefined {
    if (this.completeFailures.remaining <= 0) return undefined;
    this.completeFailures.remaining -= 1;
    return this.completeFailures.status;
  }

  takeEndpointFault(path: string): EndpointFaultDecision | undefined {
    for (const f of this.endpoints) {
      if (!path.startsWith(f.pathPrefix) || f.remaining <= 0) continue;
      if (f.probability < 1 && Math.random() >= f.probability) continue;
      f.remaining -= 1;
      return { status: f.status, delayMs: f.delayMs };
    }
    return undefined;
  }

  toJSON(): object {
    return {
      put: this.putFailures,
      complete: this.completeFailures,
      endpoints: this.endpoints.map((e) => ({
        ...e,
        remaining: Number.isFinite(e.remaining) ? e.remaining : null,
      })),
      downloadKeysValidFrom: this.downloadKeysValidFrom,
      downloadUrlLifetimeSeconds: this.downloadUrlLifetimeSeconds,
    };
  }
}
