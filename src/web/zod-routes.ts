// Every route with input declares its params, query or body as zod schemas (fastify-type-provider-zod): Fastify
// validates the input before the handler and types it. Two ways to answer a refusal: `zodValidated` attaches it
// (attachValidation) so the route answers with its own page; `zodChecked` leaves it to the app's error handler,
// which answers a 400 page ("That request was not understood"), or JSON to a JSON request.
// `enforceZodSchemas` refuses, when the app is built, a route with input and no zod schema.
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler, RouteOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

// Per route: Fastify's default compiler is JSON Schema, which no route uses.
const zodCompiler = validatorCompiler as unknown as FastifySchemaCompiler<FastifySchema>;

/** Route options that validate the route's zod schema and leave a refusal to the handler. */
export const zodValidated = { validatorCompiler: zodCompiler, attachValidation: true } as const;

/** Route options that validate the route's zod schema and leave a refusal to the app's error handler (a 400). */
export const zodChecked = { validatorCompiler: zodCompiler } as const;

/**
 * The body of a form that carries only its CSRF token. Nullish, so that a POST without a body is refused by the
 * CSRF check (403, "This form has expired") as before, not by validation.
 */
export const csrfOnlyForm = z.object({ _csrf: z.string().optional() }).nullish();

/** The app, typed for zod route schemas. */
export function zodRoutes(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}

/**
 * Routes whose input the handler reads by hand: the upload streams its multipart body, and the webhooks check a
 * signature over the raw bytes before parsing them with zod.
 */
const INPUT_READ_BY_HAND = new Set([
  'POST /import',
  'POST /webhooks/openhumans/deauth',
  'POST /webhooks/moves/notify',
]);

const INPUT_PARTS = ['params', 'querystring', 'body', 'headers'] as const;

/** Why a route breaks the convention (params or a body without a zod schema, a JSON Schema), or undefined. */
export function routeSchemaProblem(
  route: Pick<RouteOptions, 'method' | 'url' | 'schema' | 'validatorCompiler'>,
) {
  const methods = [route.method].flat();
  const name = `${methods.join(',')} ${route.url}`;
  if (methods.every((m) => INPUT_READ_BY_HAND.has(`${m} ${route.url}`))) return undefined;
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  for (const part of INPUT_PARTS)
    if (schema[part] !== undefined && !(schema[part] instanceof z.ZodType))
      return `${name}: its ${part} schema is not a zod schema`;
  if (INPUT_PARTS.some((part) => schema[part] !== undefined) && route.validatorCompiler !== zodCompiler)
    return `${name}: a zod schema needs zodValidated or zodChecked`;
  if (route.url.includes(':') && schema.params === undefined) return `${name}: its params have no zod schema`;
  if (methods.some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m)) && schema.body === undefined)
    return `${name}: its body has no zod schema`;
  return undefined;
}

/** Refuses to register a route that breaks the convention (so the app, and every test, fails to start). */
export function enforceZodSchemas(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const problem = routeSchemaProblem(route);
    if (problem) throw new Error(`Route schema convention (src/web/zod-routes.ts): ${problem}`);
  });
}
