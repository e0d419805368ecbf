import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from '../../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('info', stream), lines };
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
});
