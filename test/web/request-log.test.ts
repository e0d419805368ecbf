// Request logging: on, through the non-deprecated LogController, and free of the codes callbacks carry.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { buildWebApp } from '../../src/web/app.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

let ctx: TestContext;
const lines: string[] = [];
const warnings: string[] = [];
const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code ?? ''} ${w.message}`);

beforeAll(async () => {
  process.on('warning', onWarning);
  ctx = await createTestContext({});
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  Object.assign(ctx, { logger: createLogger('info', sink) });
});

afterAll(async () => {
  process.off('warning', onWarning);
  await ctx?.close();
});

describe('request log', () => {
  it('logs requests without the code and state of a callback, and without a deprecation warning', async () => {
    const app = await buildWebApp(ctx);
    try {
      const res = await app.inject({ method: 'GET', url: '/complete?code=SEKRET-CODE-123&state=STATE-456' });
      expect(res.statusCode).toBe(400);
    } finally {
      await app.close();
    }
    const incoming = lines.map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } });
    const logged = incoming.find((l) => l.msg === 'incoming request' && l.req?.url?.startsWith('/complete'));
    expect(logged?.req?.url).toBe('/complete?code=[REDACTED]&state=[REDACTED]');
    expect(lines.join('\n')).not.toContain('SEKRET-CODE-123');
    expect(lines.join('\n')).not.toContain('STATE-456');
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.includes('FSTDEP023'))).toEqual([]);
  });
});
