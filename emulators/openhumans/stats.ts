// Counters the control API reports: bytes through the storage endpoint and requests by route and status.
export class EmulatorStats {
  bytesUploaded = 0;
  bytesDownloaded = 0;
  readonly requests: Record<string, Record<string, number>> = {};

  countRequest(route: string, status: number): void {
    const byStatus = (this.requests[route] ??= {});
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
  }

  toJSON(): object {
    return {
      bytesUploaded: this.bytesUploaded,
      bytesDownloaded: this.bytesDownloaded,
      requests: this.requests,
    };
  }
}
