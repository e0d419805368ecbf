// The sandbox's sample export (GET /import/sample): a made-up Moves history as moves_export.zip, so a newcomer
// can try the whole import. Only the sandbox wiring (src/sandbox.ts) provides one; production has none.
import type { Readable } from 'node:stream';

export interface SampleExports {
  /** A new demo user's export, with about two months of days before `today`, streamed. */
  download(today: Date): Promise<Readable>;
}
