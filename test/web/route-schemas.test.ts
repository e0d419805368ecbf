// The route schema convention (src/web/zod-routes.ts): every route with input has a zod schema. The whole app is
// built with the check on, so any route that breaks it fails here (and in every web test).
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { enforceZodSchemas, routeSchemaProblem, zodChecked } from '../../src/web/zod-routes.ts';
import { insertMember, pageToken, postCsrfForm, sessionCookie, startTestWebApp } from './support.ts';

describe('route schemas', () => {
  it('the app builds: every route with params, a query or a body declares it in zod', async () => {
    const web = await startTestWebApp();
    try {
      expect(web.app.hasRoute({ method: 'GET', url: '/day/:date' })).toBe(true);
    } finally {
      await web.close();
    }
  });

  it('answers input the schema refuses with the 400 page, and a form without its token with the 403 page', async () => {
    const web = await startTestWebApp();
    try {
      const m = await insertMember(web.ctx, {});
      const page = await pageToken(web.app, '/preferences', sessionCookie(web.app, { memberId: m.id }));
      const form = (payload: string) =>
        web.app.inject({
          method: 'POST',
          url: '/map/background',
          headers: { cookie: page.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload,
        });
      const refused = await form(`show=maybe&_csrf=${encodeURIComponent(page.token)}`);
      expect(refused.statusCode).toBe(400);
      expect(refused.body).toContain('That request was not understood');
      const accepted = await form(`show=yes&back=/dashboard&_csrf=${encodeURIComponent(page.token)}`);
      expect(accepted.statusCode).toBe(303);
      expect(accepted.headers.location).toBe('/dashboard#map-title');
      // The token survives the body's validation: a CSRF-only form still reaches its route.
      expect((await postCsrfForm(web.app, '/logout', page.cookie, page.token)).statusCode).toBe(200);
      const noBody = await web.app.inject({
        method: 'POST',
        url: '/logout',
        headers: { cookie: page.cookie },
      });
      expect(noBody.statusCode).toBe(403);
      expect(noBody.body).toContain('This form has expired');
      const badDay = await web.app.inject({
        method: 'GET',
        url: '/day/2016-6-1/map.json',
        headers: { cookie: page.cookie, accept: 'application/json' },
      });
      expect(badDay.statusCode).toBe(400);
      expect(badDay.json()).toMatchObject({ error: 'bad request' });
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
