// Peak resident memory of this process: sampled every 50 ms, and the kernel's own maximum as a cross-check.
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = 50): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    return this;
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  stop(): { sampledPeakMb: number; maxRssMb: number } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    return {
      sampledPeakMb: this.peak / 2 ** 20,
      // resourceUsage().maxRSS is in kilobytes: the true high-water mark, even between samples.
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    };
  }
}
