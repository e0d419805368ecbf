import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWebApp } from '../../src/web/app.ts';
import { createTestContext, type TestContext } from '../support/context.ts';

describe('/healthz', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  beforeAll(async () => {
    ctx = await createTestContext();
    app = await buildWebApp(ctx);
  });
  afterAll(async () => {
    await app.close();
    await ctx.close();
  });

  it('reports the database, the queue and the version', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ status: 'ok', database: true, queue: true, version: ctx.version });
  });

  it('answers 503 once the database is gone', async () => {
    await ctx.close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', database: false, queue: false });
  });
});
