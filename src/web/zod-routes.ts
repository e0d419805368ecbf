// Routes whose params, query or body are zod schemas (fastify-type-provider-zod): Fastify validates the input
// before the handler and types it. Input the schema refuses is attached (attachValidation) rather than answered
// with Fastify's JSON 400, so the route can answer with its own page. The other routes keep JSON Schema.
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';

/** Route options that validate the route's zod schema and leave a refusal to the handler. */
export const zodValidated = {
  // Per route: the app's other routes keep Fastify's JSON Schema compiler.
  validatorCompiler: validatorCompiler as unknown as FastifySchemaCompiler<FastifySchema>,
  attachValidation: true,
} as const;

/** The app, typed for zod route schemas. */
export function zodRoutes(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}
