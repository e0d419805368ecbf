// One fetch wrapper for both upstreams: a timeout on every call, every request counted in the metrics, and
// transport failures (timeout, refused connection, broken body) turned into retryable UpstreamErrors.
import type { Metrics } from '../metrics.ts';
import { parseRateHeaders } from '../moves/rate-headers.ts';
import {
  AuthRefusedError,
  RateLimitedError,
  SERVICE_NAMES,
  UpstreamError,
  type UpstreamService,
} from './errors.ts';

export interface UpstreamHttpOptions {
  service: UpstreamService;
  metrics?: Metrics | undefined;
  /** Per-call limit for the whole exchange (headers and body). */
  timeoutMs: number;
  userAgent: string;
}

export interface UpstreamRequest {
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** What the call does, in plain words, for error messages ("refreshing the access token"). */
  what: string;
  timeoutMs?: number;
  redirect?: 'manual' | 'follow' | 'error';
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  response: Response;
  /** The body as text (already read, within the timeout). */
  text: string;
}

export class UpstreamHttp {
  readonly name: string;
  readonly opts: UpstreamHttpOptions;

  constructor(opts: UpstreamHttpOptions) {
    this.opts = opts;
    this.name = SERVICE_NAMES[opts.service];
  }

  /** Counts one request in upstream_requests_total (status = HTTP status, "timeout" or "error"). */
  count(status: number | 'timeout' | 'error'): void {
    this.opts.metrics?.upstreamRequests.inc({ service: this.opts.service, status: String(status) });
    if (status === 429 && this.opts.service === 'moves') this.opts.metrics?.moves429.inc();
  }

  signal(timeoutMs?: number, outer?: AbortSignal): AbortSignal {
    const timeout = AbortSignal.timeout(timeoutMs ?? this.opts.timeoutMs);
    return outer ? AbortSignal.any([timeout, outer]) : timeout;
  }

  /** Turns a thrown fetch/body error into an UpstreamError (retryable: the network may recover). */
  transportError(err: unknown, what: string, timeoutMs?: number): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const e = err as { name?: string; cause?: { code?: string } };
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
      const seconds = Math.round((timeoutMs ?? this.opts.timeoutMs) / 100) / 10;
      return new UpstreamError(
        this.opts.service,
        null,
        true,
        `${this.name} did not answer within ${seconds} s (${what})`,
        { cause: err },
      );
    }
    const code = e?.cause?.code ? ` (${e.cause.code})` : '';
    return new UpstreamError(this.opts.service, null, true, `could not reach ${this.name}${code} (${what})`, {
      cause: err,
    });
  }

  /** Sends the request and reads the whole body. Throws only transport errors; statuses are the caller's. */
  async send(url: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    const signal = this.signal(req.timeoutMs, req.signal);
    let response: Response;
    try {
      response = await fetch(url, {
        method: req.method ?? 'GET',
        headers: { 'user-agent': this.opts.userAgent, accept: 'application/json', ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        redirect: req.redirect ?? 'manual',
        signal,
      });
    } catch (err) {
      this.count(signal.aborted ? 'timeout' : 'error');
      throw this.transportError(err, req.what, req.timeoutMs);
    }
    this.count(response.status);
    try {
      const text = await response.text();
      return { response, text };
    } catch (err) {
      throw this.transportError(err, req.what, req.timeoutMs);
    }
  }

  /** The error for a non-success status: 401 refused, 429 rate limited, 5xx retryable, other 4xx final. */
  statusError(res: UpstreamResponse, what: string): UpstreamError {
    const err = this.statusErrorOf(res, what);
    if (this.opts.service === 'moves') err.rate ??= parseRateHeaders(res.response.headers);
    return err;
  }

  private statusErrorOf(res: UpstreamResponse, what: string): UpstreamError {
    const status = res.response.status;
    const detail = safeDetail(res.text);
    const suffix = detail ? `: ${detail}` : '';
    if (status === 401) {
      return new AuthRefusedError(
        this.opts.service,
        status,
        `${this.name} refused the access token (${what})${suffix}`,
      );
    }
    if (status === 429) {
      return new RateLimitedError(
        this.opts.service,
        parseRateHeaders(res.response.headers),
        `${this.name} says too many requests (${what})`,
      );
    }
    if (status >= 500) {
      return new UpstreamError(
        this.opts.service,
        status,
        true,
        `${this.name} had a server error, HTTP ${status} (${what})`,
      );
    }
    if (status >= 300 && status < 400) {
      return new UpstreamError(
        this.opts.service,
        status,
        false,
        `${this.name} answered with an unexpected redirect, HTTP ${status} (${what}): check the configured base URL`,
      );
    }
    return new UpstreamError(
      this.opts.service,
      status,
      false,
      `${this.name} rejected the request, HTTP ${status} (${what})${suffix}`,
    );
  }
}

/**
 * A short, secret-free explanation from an error body: the `detail`, `error` or `error_description` strings that
 * both services use. Anything else (HTML pages, echoes) is left out.
 */
export function safeDetail(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const plain = text.trim();
    // Moves answers a revoked token with the bare text "expired_access_token".
    return /^[a-z_]{3,40}$/.test(plain) ? plain : undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const parts = [o.detail, o.error, o.error_description].filter(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  if (parts.length === 0) return undefined;
  return parts.join(' - ').slice(0, 200);
}
