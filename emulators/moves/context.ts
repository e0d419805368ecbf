// Everything one running emulator instance holds, passed to each route module.
import type { Logger } from 'pino';
import { Clock, type EmulatorConfig } from './config.ts';
import { RateLimiter } from './rate-limiter.ts';
import { Stats } from './stats.ts';
import { Store } from './store.ts';

export interface PendingAuthorization {
  clientId: string;
  scope: string[];
  /** where to send the browser: the given redirect_uri, or the first registered one */
  target: string;
  /** the redirect_uri exactly as given, if one was */
  given?: string;
  state?: string;
  pin: string;
  expiresAt: number;
}

export class EmulatorContext {
  readonly clock: Clock;
  readonly store = new Store();
  readonly limiter = new RateLimiter();
  readonly stats = new Stats();
  readonly pending = new Map<string, PendingAuthorization>();

  readonly config: EmulatorConfig;
  readonly logger?: Logger;

  constructor(config: EmulatorConfig, logger?: Logger) {
    this.config = config;
    this.logger = logger;
    this.clock = new Clock(config);
  }
}
