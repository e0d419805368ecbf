// pino logger with secrets redacted (tokens, keys, client secrets, Authorization headers, access_token values)
// and no member data: errors go through serializeError (no SQL, parameters or bodies), and any other long
// string is cut, so no line can carry a week of track points. On a terminal the lines are formatted for people
// (pino-pretty); anywhere else they are JSON, one per line.
import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type PinoPretty from 'pino-pretty';
import { serializeError } from './safe-error.ts';

const SECRET_KEYS = [
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'token',
  'client_secret',
  'clientSecret',
  'secretKey',
  'SECRET_KEY',
  'password',
  'code',
  'code_verifier',
  'master_token',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  '*.headers.authorization',
  'config.secretKey',
  'config.openHumans.clientSecret',
  'config.moves.clientSecret',
  'config.openHumans.webhookSecret',
];

/** Removes secret query values (access_token, code, state…) from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(
    /([?&](?:access_token|refresh_token|code|client_secret|key|state|Signature|token)=)[^&#]*/gi,
    '$1[REDACTED]',
  );
}

/** Longest string value a log line keeps: ids, paths and reasons fit; payloads do not. */
export const MAX_LOGGED_STRING = 500;
const MAX_LOGGED_ITEMS = 50;

/** Cuts long strings and arrays in what is logged; errors are left to their serializer. */
function capStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string')
    return value.length > MAX_LOGGED_STRING ? `${value.slice(0, MAX_LOGGED_STRING)}… [cut]` : value;
  if (!value || typeof value !== 'object' || value instanceof Error || depth > 4) return value;
  if (Array.isArray(value)) return value.slice(0, MAX_LOGGED_ITEMS).map((v) => capStrings(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = capStrings(v, depth + 1);
  return out;
}

export type LogFormat = 'pretty' | 'json';

/** LOG_FORMAT if set; otherwise pretty when stdout is a terminal, JSON lines for files, pipes and collectors. */
export function chooseLogFormat(
  setting: LogFormat | 'auto' | undefined,
  stdout: { isTTY?: boolean } = process.stdout,
): LogFormat {
  if (setting === 'pretty' || setting === 'json') return setting;
  return stdout.isTTY ? 'pretty' : 'json';
}

/**
 * One line per event for people: time, level, the role or emulator it comes from, the message and any other
 * fields. A request is one line ("GET /healthz → 200 in 3 ms") instead of fastify's two.
 */
function prettyStream(destination: pino.DestinationStream | undefined): pino.DestinationStream {
  // Loaded only when used: JSON-logging processes (servers, tests) never pay for it.
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const out = destination ?? process.stdout;
  const format = prettyFactory({
    colorize: !destination && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,role,sandbox,emulator,reqId,req,res,responseTime',
    messageFormat: '{if role}{role}: {end}{if sandbox}{sandbox} emulator: {end}{msg}',
    singleLine: true,
  });
  const requests = new Map<string, string>();
  return {
    write(line: string) {
      const entry = JSON.parse(line) as Record<string, unknown> & {
        reqId?: string;
        req?: { method?: string; url?: string };
        res?: { statusCode?: number };
        responseTime?: number;
      };
      if (entry.reqId && entry.req && entry.msg === 'incoming request') {
        requests.set(entry.reqId, `${entry.req.method} ${entry.req.url}`);
        return;
      }
      if (entry.reqId && entry.res && entry.msg === 'request completed') {
        entry.msg = `${requests.get(entry.reqId) ?? 'request'} → ${entry.res.statusCode} in ${Math.round(entry.responseTime ?? 0)} ms`;
        requests.delete(entry.reqId);
      }
      out.write(format(entry));
    },
  };
}

export function createLogger(
  level: LevelWithSilent = 'info',
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          method: req.method,
          url: req.url ? redactUrl(req.url) : req.url,
          id: req.id,
        }),
        err: serializeError,
        error: serializeError,
      },
      formatters: { log: (obj) => capStrings(obj, 0) as Record<string, unknown> },
    },
    format === 'pretty' ? prettyStream(destination) : destination,
  );
}
