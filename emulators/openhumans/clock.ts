// The emulator clock of the team's time-scale contract: now() = Date.now() + clockOffsetMs, and every
// lifetime (tokens, codes, download keys, pre-signed URLs) is divided by the time scale.
export class EmulatorClock {
  timeScale = 1;
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** A lifetime expressed in emulated milliseconds, converted to real (clock) milliseconds. */
  scaled(ms: number): number {
    return ms / this.timeScale;
  }
}
