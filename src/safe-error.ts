// Errors reduced to what an operator needs and nothing a member owns. Database errors carry the whole SQL
// statement and its parameters (drizzle's "Failed query: … params: …", PGlite's `query`/`params`, pg's
// `detail`), JSON errors quote the body they choked on: none of that may reach a log line, a job's stored
// output or a message shown on the admin page. Pure.
import crypto from 'node:crypto';

/** Longest reason kept from any error message. */
export const MAX_REASON_CHARS = 240;
const MAX_STACK_FRAMES = 12;
const MAX_CAUSE_DEPTH = 3;

/** SQLSTATE codes worth a word; the rest are named by their code alone. */
const SQLSTATE_WORDS: Record<string, string> = {
  '23502': 'a required value was missing',
  '23503': 'a row it refers to no longer exists (foreign key)',
  '23505': 'a duplicate key',
  '23514': 'a check constraint failed',
  '22001': 'a value was too long',
  '40001': 'a serialization conflict',
  '40P01': 'a deadlock',
  '57014': 'the statement was cancelled',
  '57P01': 'the database server shut the connection down',
  '53300': 'too many database connections',
};

interface DbErrorFields {
  code: string;
  table?: string;
  constraint?: string;
}

/** The SQLSTATE fields of a pg/PGlite error, found on the error or its cause (drizzle wraps them). */
function dbErrorFields(err: unknown, depth = 0): DbErrorFields | undefined {
  if (!err || typeof err !== 'object' || depth > MAX_CAUSE_DEPTH) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && ('severity' in e || 'routine' in e)) {
    return {
      code: e.code,
      ...(typeof e.table === 'string' ? { table: e.table } : {}),
      ...(typeof e.constraint === 'string' ? { constraint: e.constraint } : {}),
    };
  }
  return dbErrorFields(e.cause, depth + 1);
}

function isQueryError(err: unknown): boolean {
  const e = err as { name?: unknown; query?: unknown; params?: unknown } | null;
  return (
    !!e &&
    typeof e === 'object' &&
    (e.name === 'DrizzleQueryError' || (typeof e.query === 'string' && 'params' in e))
  );
}

/**
 * Removes what a message may quote from data: long quoted passages (JSON parse errors quote the body, SQL
 * errors quote values), precise decimals (coordinates) and everything after the first line; then shortens it.
 */
export function scrubMessage(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? '';
  return firstLine
    .replace(/(["'`])(?:(?!\1).){25,}\1/g, '$1…$1')
    .replace(/-?\d+\.\d{3,}/g, '#')
    .slice(0, MAX_REASON_CHARS);
}

/** A short, data-free reason for any thrown value: safe for logs, job output and member-visible messages. */
export function errorReason(err: unknown): string {
  const db = dbErrorFields(err);
  if (db || isQueryError(err)) {
    if (!db) return 'a database query failed';
    const words = SQLSTATE_WORDS[db.code] ?? `SQLSTATE ${db.code}`;
    const where = [db.table && `table ${db.table}`, db.constraint && `constraint ${db.constraint}`]
      .filter(Boolean)
      .join(', ');
    return `a database query failed: ${words}${where ? ` (${where})` : ''}`;
  }
  if (err instanceof Error) return scrubMessage(err.message) || err.name;
  if (typeof err === 'string') return scrubMessage(err);
  return 'unknown error';
}

/** A short reference that ties a member-visible message to the log line that explains it. */
export function newErrorRef(): string {
  return crypto.randomBytes(4).toString('hex');
}

export interface SafeErrorJson {
  type: string;
  message: string;
  code?: string;
  status?: number | null;
  service?: string;
  stack?: string;
  cause?: SafeErrorJson;
}

/** Fields copied verbatim when present: they describe the failure, never its data. */
function safeFields(e: Record<string, unknown>): Partial<SafeErrorJson> {
  const out: Partial<SafeErrorJson> = {};
  if (typeof e.code === 'string' && e.code.length <= 40) out.code = e.code;
  if (typeof e.status === 'number' || e.status === null) out.status = e.status;
  if (typeof e.statusCode === 'number') out.status = e.statusCode;
  if (typeof e.service === 'string') out.service = e.service;
  return out;
}

/** pino's `err` serializer: type, safe reason, code/status, stack frames (not the message it starts with). */
export function serializeError(err: unknown, depth = 0): SafeErrorJson {
  if (!(err instanceof Error)) return { type: typeof err, message: errorReason(err) };
  const message = errorReason(err);
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, MAX_STACK_FRAMES);
  const out: SafeErrorJson = {
    type: err.name || err.constructor?.name || 'Error',
    message,
    ...safeFields(err as unknown as Record<string, unknown>),
  };
  if (frames.length) out.stack = [`${out.type}: ${message}`, ...frames].join('\n');
  // A query error's cause is the driver error with the same statement: its reason is already above.
  if (err.cause !== undefined && depth < MAX_CAUSE_DEPTH && !isQueryError(err))
    out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/** The same error without its data, to hand to code that stores or prints errors whole (pg-boss job output). */
export function sanitizedError(err: unknown): Error {
  const safe = serializeError(err);
  const copy = new Error(safe.message);
  copy.name = safe.type;
  copy.stack = safe.stack ?? `${safe.type}: ${safe.message}`;
  return copy;
}
