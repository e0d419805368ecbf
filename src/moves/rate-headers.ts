// Moves sends its remaining quota on every API response (200 and 429 alike); the rate budget corrects itself from it.
export interface RateHeaders {
  minuteLimit: number;
  minuteRemaining: number;
  hourLimit: number;
  hourRemaining: number;
}

const NAMES = {
  minuteLimit: 'x-ratelimit-minutelimit',
  minuteRemaining: 'x-ratelimit-minuteremaining',
  hourLimit: 'x-ratelimit-hourlimit',
  hourRemaining: 'x-ratelimit-hourremaining',
} as const;

/** All four headers as non-negative integers, or null when any is missing or malformed. */
export function parseRateHeaders(headers: Headers): RateHeaders | null {
  const out: Partial<RateHeaders> = {};
  for (const [key, name] of Object.entries(NAMES) as [keyof RateHeaders, string][]) {
    const raw = headers.get(name)?.trim();
    if (!raw || !/^\d{1,9}$/.test(raw)) return null;
    out[key] = Number(raw);
  }
  return out as RateHeaders;
}
