// pino logger with secrets redacted: tokens, keys, client secrets, Authorization headers, access_token values.
import { pino, type Logger, type LevelWithSilent } from 'pino';

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

export function createLogger(level: LevelWithSilent = 'info', destination?: pino.DestinationStream): Logger {
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
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
