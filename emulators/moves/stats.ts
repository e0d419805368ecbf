// Request accounting for GET /_control/stats (benchmarks compare it with what the app believes it sent).
export interface StatsSnapshot {
  requests: number;
  byRoute: Record<string, Record<string, number>>;
  rateLimited: number;
  bytesSent: number;
}

export class Stats {
  private requests = 0;
  private byRoute = new Map<string, Map<number, number>>();
  private rateLimited = 0;
  private bytesSent = 0;

  record(route: string, status: number, bytes: number): void {
    this.requests++;
    let m = this.byRoute.get(route);
    if (!m) {
      m = new Map();
      this.byRoute.set(route, m);
    }
    m.set(status, (m.get(status) ?? 0) + 1);
    if (status === 429) this.rateLimited++;
    this.bytesSent += bytes;
  }

  snapshot(): StatsSnapshot {
    const byRoute: Record<string, Record<string, number>> = {};
    for (const [route, m] of this.byRoute)
      byRoute[route] = Object.fromEntries([...m].map(([s, n]) => [String(s), n]));
    return { requests: this.requests, byRoute, rateLimited: this.rateLimited, bytesSent: this.bytesSent };
  }

  reset(): void {
    this.requests = 0;
    this.byRoute.clear();
    this.rateLimited = 0;
    this.bytesSent = 0;
  }
}
