// The errors every upstream client throws, so callers decide by kind (retry, re-auth, wait) and never parse text.
// Messages are plain words for members and operators: they never carry tokens, codes or URLs with secrets.
import type { RateHeaders } from '../moves/rate-headers.ts';

export type UpstreamService = 'moves' | 'openhumans';

export const SERVICE_NAMES: Record<UpstreamService, string> = { moves: 'Moves', openhumans: 'Open Humans' };

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  /** Moves' X-RateLimit-* headers when the failed response carried them (every Moves API response does). */
  rate: RateHeaders | null = null;
  readonly service: UpstreamService;
  /** The HTTP status, or null when no response arrived (timeout, network error). */
  readonly status: number | null;
  /** True for failures that may pass: 5xx, timeouts, network errors, malformed bodies, 429. */
  readonly retryable: boolean;

  constructor(
    service: UpstreamService,
    status: number | null,
    retryable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.service = service;
    this.status = status;
    this.retryable = retryable;
  }
}

/** The service refused our token (revoked, expired refresh token, member left): re-authorization is needed. */
export class AuthRefusedError extends UpstreamError {
  override name = 'AuthRefusedError';
  constructor(
    service: UpstreamService,
    status: number | null,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(service, status, false, message, options);
  }
}

/** A real HTTP 429 from Moves. `rate` holds the X-RateLimit-* headers of that response, when sent. */
export class RateLimitedError extends UpstreamError {
  override name = 'RateLimitedError';
  constructor(service: UpstreamService, rate: RateHeaders | null, message: string) {
    super(service, 429, true, message);
    this.rate = rate;
  }
}

export function isRetryable(err: unknown): boolean {
  return err instanceof UpstreamError && err.retryable;
}

/** An upstream refused our tokens (revoked, member left): the member must authorize again. */
export function isAuthRefused(err: unknown): boolean {
  return err instanceof AuthRefusedError;
}

/** A plain-words message from an UpstreamError, or a generic one; never a stack or a secret. */
export function upstreamMessage(err: unknown): string {
  if (err instanceof UpstreamError) return err.message.replace(/[.\s]+$/, '');
  return 'the service did not answer as expected';
}
