// Everything a route module needs, built once per emulator instance.
import type { Logger } from 'pino';
import type { Faults } from './faults.ts';
import type { EmulatorState } from './state.ts';
import type { EmulatorStats } from './stats.ts';
import type { ObjectStorage } from './storage.ts';
import type { DownloadKeys } from './downloads.ts';
import type { StorageSigner } from './storage-endpoint.ts';

export interface EmulatorContext {
  state: EmulatorState;
  storage: ObjectStorage;
  faults: Faults;
  stats: EmulatorStats;
  downloadKeys: DownloadKeys;
  signer: StorageSigner;
  /** Paths served with a trailing slash, for the APPEND_SLASH emulation. */
  knownPaths: Set<string>;
  /** Secret used for the sign-in cookie's CSRF token. */
  sessionSecret: string;
  /** Signed-in emulated members by session id (the browser cookie). */
  sessions: Map<string, string>;
  logger: Logger;
  baseUrl: () => string;
}
