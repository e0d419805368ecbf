// The one source of "now" for the app, so tests and benchmarks can move time without touching Date.
export interface Clock {
  now(): number;
  date(): Date;
}

export function systemClock(offsetMs = 0): Clock & { offsetMs: number } {
  const clock = {
    offsetMs,
    now: () => Date.now() + clock.offsetMs,
    date: () => new Date(Date.now() + clock.offsetMs),
  };
  return clock;
}
