import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { storedWeeks } from '../../src/db/schema.ts';
import { chooseLogFormat, createLogger, redactUrl } from '../../src/logger.ts';
import { errorReason, sanitizedError } from '../../src/safe-error.ts';
import { createTestDatabase } from '../support/database.ts';

function capture(format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('info', stream, format), lines };
}

describe('logging', () => {
  it('redacts tokens, secrets and Authorization headers', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        access_token: 'AT-secret-1',
        tokens: { refreshToken: 'RT-secret-2' },
        req: { headers: { authorization: 'Bearer AT-secret-3' } },
        headers: { authorization: 'Basic Y2xpZW50OnNlY3JldA==' },
        config: { secretKey: 'SK-secret-4', moves: { clientSecret: 'CS-secret-5' } },
        client_secret: 'CS-secret-6',
      },
      'something happened',
    );
    const out = lines.join('');
    for (const secret of [
      'AT-secret-1',
      'RT-secret-2',
      'AT-secret-3',
      'Y2xpZW50OnNlY3JldA',
      'SK-secret-4',
      'CS-secret-5',
      'CS-secret-6',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
    expect(out).toContain('something happened');
  });

  it('removes access_token and code values from URLs', () => {
    expect(redactUrl('/api/x/?access_token=abc123&limit=5')).toBe('/api/x/?access_token=[REDACTED]&limit=5');
    expect(redactUrl('/complete?code=xyz&state=s1')).toBe('/complete?code=[REDACTED]&state=[REDACTED]');
    expect(redactUrl('/dashboard')).toBe('/dashboard');
  });

  it('logs request URLs without their token values', () => {
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', url: '/x?access_token=tok-999' } }, 'request');
    expect(lines.join('')).not.toContain('tok-999');
  });

  it('writes JSON lines unless on a terminal or told otherwise (LOG_FORMAT)', () => {
    expect(chooseLogFormat('auto', { isTTY: true })).toBe('pretty');
    expect(chooseLogFormat('auto', { isTTY: false })).toBe('json');
    expect(chooseLogFormat(undefined, {})).toBe('json');
    expect(chooseLogFormat('json', { isTTY: true })).toBe('json');
    expect(chooseLogFormat('pretty', { isTTY: false })).toBe('pretty');
  });

  it('formats lines for people: role, message, fields, one line per request, secrets still redacted', () => {
    const { logger, lines } = capture('pretty');
    const web = logger.child({ role: 'web' });
    web.info({ url: 'http://127.0.0.1:5000' }, 'listening');
    web.info({ reqId: 'r1', req: { method: 'GET', url: '/complete?code=c-secret-7' } }, 'incoming request');
    web.info({ reqId: 'r1', res: { statusCode: 303 }, responseTime: 12.4 }, 'request completed');
    logger.info({ access_token: 'AT-secret-8' }, 'token refreshed');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/INFO.*web: listening.*"url":"http:\/\/127\.0\.0\.1:5000"/);
    expect(lines[0]).not.toMatch(/"level"|"pid"|"hostname"/);
    expect(lines[1]).toMatch(/web: GET \/complete\?code=\[REDACTED\] → 303 in 12 ms/);
    expect(lines.join('')).not.toMatch(/c-secret-7|AT-secret-8/);
    expect(lines[2]).toContain('token refreshed');
  });
});

describe('errors in the log', () => {
  it('a failed insert is logged by its SQLSTATE and constraint, never with the statement or its parameters', async () => {
    const database = await createTestDatabase('pglite');
    try {
      // A week of "track points" for a member id that does not exist: the foreign-key failure of a leaving member.
      const points = Array.from({ length: 5_000 }, (_, i) => `{"lat":52.52${i},"lon":13.40${i}}`).join(',');
      const daysJson = `[{"date":"20160104","segments":[{"place":{"name":"Secret Garden Café"},"trackPoints":[${points}]}]}]`;
      const err = await database.db
        .insert(storedWeeks)
        .values({
          memberId: 987654,
          week: '2016-W01',
          daysJson,
          dayCount: 1,
          bytes: daysJson.length,
          complete: true,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(Error);
      // The raw error does carry the data: this is what must not reach a log line.
      expect(String((err as Error).message)).toContain('Secret Garden');

      const { logger, lines } = capture();
      logger.error({ err, memberId: 987654, operation: 'sync' }, 'sync failed');
      logger.error(err as Error, 'as the first argument');
      const wrapped = new Error('outer', { cause: err });
      logger.warn({ err: wrapped }, 'wrapped');
      for (const line of lines) {
        expect(line.length).toBeLessThan(4_000);
        expect(line).not.toContain('Secret Garden');
        expect(line).not.toMatch(/52\.52\d|13\.40\d/);
        expect(line).not.toMatch(/insert into/i);
      }
      const first = JSON.parse(lines[0]!) as { err: { message: string; type: string }; memberId: number };
      expect(first.memberId).toBe(987654);
      expect(first.err.message).toMatch(/foreign key/);
      expect(first.err.message).toMatch(/stored_weeks/);

      // What pg-boss stores for a failed job is the sanitized copy.
      const safe = sanitizedError(err);
      expect(JSON.stringify({ message: safe.message, stack: safe.stack })).not.toContain('Secret Garden');
      expect(errorReason(err)).toBe(safe.message);
    } finally {
      await database.close();
    }
  });

  it('cuts JSON parse errors that quote the body, and any long string value', () => {
    const { logger, lines } = capture();
    let parseError: unknown;
    try {
      JSON.parse(`{"name":"Secret Garden Café on the corner of the street","lat":52.520006 oops`);
    } catch (e) {
      parseError = e;
    }
    logger.warn({ err: parseError, body: 'x'.repeat(100_000) }, 'bad body');
    expect(lines[0]!.length).toBeLessThan(2_000);
    expect(lines[0]).not.toContain('Secret Garden Café on the corner');
    expect(lines[0]).not.toContain('52.520006');
  });
});
