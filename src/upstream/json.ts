// JSON parsing at the upstream boundary: lossless for 64-bit ids, validated with zod, failures in plain words.
import { parse as parseLossless } from 'lossless-json';
import { z } from 'zod';
import { SERVICE_NAMES, UpstreamError, type UpstreamService } from './errors.ts';

/** Integers beyond 2^53 become bigint (exact); every other number stays a JS number. */
function parseNumber(text: string): number | bigint {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number(text);
}

/** JSON.parse, except that large integers survive exactly (as bigint). Throws SyntaxError on bad JSON. */
export function parseJsonLossless(text: string): unknown {
  return parseLossless(text, null, parseNumber);
}

/**
 * A decimal id as sent by Moves: a bare JSON number (possibly > 2^53, parsed as bigint by parseJsonLossless)
 * or a string of digits. Always handed on as decimal text.
 */
export const decimalId = z
  .union([z.number().int().nonnegative(), z.bigint().nonnegative(), z.string().regex(/^\d{1,30}$/)])
  .transform((v) => v.toString());

export interface ParseBodyOptions {
  service: UpstreamService;
  /** What the call was, in plain words, e.g. "fetching the profile". */
  what: string;
  lossless?: boolean;
}

/** Parses and validates a response body. Malformed or unexpected bodies are retryable UpstreamErrors. */
export function parseBody<S extends z.ZodType>(text: string, schema: S, opts: ParseBodyOptions): z.output<S> {
  const name = SERVICE_NAMES[opts.service];
  let value: unknown;
  try {
    value = opts.lossless ? parseJsonLossless(text) : JSON.parse(text);
  } catch (cause) {
    throw new UpstreamError(
      opts.service,
      200,
      true,
      `${name} sent a reply that is not valid JSON (${opts.what})`,
      {
        cause,
      },
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new UpstreamError(
      opts.service,
      200,
      true,
      `${name} sent a reply in an unexpected shape (${opts.what})${where}: ${issue?.message ?? 'invalid'}`,
      { cause: result.error },
    );
  }
  return result.data;
}
