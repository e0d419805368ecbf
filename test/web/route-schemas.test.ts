// The route schema convention (src/web/zod-routes.ts): every route with input has a zod schema. The whole app is
// built with the check on, so any route that breaks it fails here (and in every web test).
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { enforceZodSchemas, routeSchemaProblem, zodChecked } from '../../src/web/zod-routes.ts';
import { startTestWebApp } from './support.ts';

describe('route schemas', () => {
  it('the app builds: every route with params, a query or a body declares it in zod', async () => {
    const web = await startTestWebApp();
    try {
      expect(web.app.hasRoute({ method: 'GET', url: '/day/:date' })).toBe(true);
    } finally {
      await web.close();
    }
  });

  it('names a JSON Schema, params or a body without a schema, and a zod schema without its compiler', () => {
    const jsonSchema = { type: 'object', properties: { date: { type: 'string' } } };
    expect(routeSchemaProblem({ method: 'GET', url: '/day/:date', schema: { params: jsonSchema } })).toMatch(
      /params schema is not a zod schema/,
    );
    expect(routeSchemaProblem({ method: 'GET', url: '/day/:date' })).toMatch(/params have no zod schema/);
    expect(routeSchemaProblem({ method: 'POST', url: '/logout' })).toMatch(/body has no zod schema/);
    expect(routeSchemaProblem({ method: 'POST', url: '/logout', schema: { body: z.object({}) } })).toMatch(
      /needs zodValidated or zodChecked/,
    );
    expect(
      routeSchemaProblem({ method: 'POST', url: '/logout', schema: { body: z.object({}) }, ...zodChecked }),
    ).toBeUndefined();
    expect(routeSchemaProblem({ method: 'GET', url: '/dashboard' })).toBeUndefined();
    expect(routeSchemaProblem({ method: 'POST', url: '/import' })).toBeUndefined();
  });

  it('refuses to register a route that breaks the convention', async () => {
    const app = Fastify();
    enforceZodSchemas(app);
    expect(() => app.post('/somewhere', async () => 'ok')).toThrow(/body has no zod schema/);
    await app.close();
  });
});
