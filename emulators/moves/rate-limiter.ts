// Fixed minute and hour windows aligned to the emulator clock (multiples of 60000/S and 3600000/S ms since the
// epoch, per the team time-scale contract), with doubled limits during a token's first hour.
export interface RateState {
  minuteLimit: number;
  minuteRemaining: number;
  hourLimit: number;
  hourRemaining: number;
  allowed: boolean;
}

interface Bucket {
  minuteWindow: number;
  minuteUsed: number;
  hourWindow: number;
  hourUsed: number;
}

export interface RateParams {
  now: number;
  timeScale: number;
  minuteLimit: number;
  hourLimit: number;
  /** limits doubled (newly issued token) */
  boosted: boolean;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  private bucket(key: string, p: RateParams): Bucket {
    const minuteWindow = Math.floor(p.now / (60_000 / p.timeScale));
    const hourWindow = Math.floor(p.now / (3_600_000 / p.timeScale));
    let b = this.buckets.get(key);
    if (!b) {
      b = { minuteWindow, minuteUsed: 0, hourWindow, hourUsed: 0 };
      this.buckets.set(key, b);
    }
    if (b.minuteWindow !== minuteWindow) {
      b.minuteWindow = minuteWindow;
      b.minuteUsed = 0;
    }
    if (b.hourWindow !== hourWindow) {
      b.hourWindow = hourWindow;
      b.hourUsed = 0;
    }
    return b;
  }

  /** Consumes one request when `consume` and quota is left; a refused request consumes nothing. */
  hit(key: string, p: RateParams, consume = true): RateState {
    const b = this.bucket(key, p);
    const factor = p.boosted ? 2 : 1;
    const minuteLimit = p.minuteLimit * factor;
    const hourLimit = p.hourLimit * factor;
    const allowed = b.minuteUsed < minuteLimit && b.hourUsed < hourLimit;
    if (allowed && consume) {
      b.minuteUsed++;
      b.hourUsed++;
    }
    return {
      allowed,
      minuteLimit,
      hourLimit,
      minuteRemaining: Math.max(0, minuteLimit - b.minuteUsed),
      hourRemaining: Math.max(0, hourLimit - b.hourUsed),
    };
  }

  reset(): void {
    this.buckets.clear();
  }
}
