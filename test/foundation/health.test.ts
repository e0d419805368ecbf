import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildWebApp } from '../../src/web/app.ts';
import { createTestContext, type TestContext } from '../support/context.ts';
import { insertMember, sessionCookie } from '../web/support.ts';

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

  it('answers at once from a recent probe while the database is busy, signed-in cookie or not', async () => {
    const member = await insertMember(ctx);
    const cookie = sessionCookie(app, { memberId: member.id, sessionVersion: 0 });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // A transaction that holds the embedded database, as a backfill's queries do, until the answer has come.
    let release!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const busy = ctx.db.transaction(async (tx) => {
      await tx.execute('select 1');
      holding();
      await new Promise<void>((r) => (release = r));
    });
    await held;
    try {
      // Both before the transaction ends.
      for (const headers of [{}, { cookie }]) {
        const res = await app.inject({ method: 'GET', url: '/healthz', headers });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ status: 'ok', database: true, queue: true });
      }
    } finally {
      release();
      await busy;
    }
  });

  it('answers 503 once the database is gone', async () => {
    await ctx.close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', database: false, queue: false });
  });
});
