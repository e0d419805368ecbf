// Open Humans' data types (added after 2018): the catalogue's public listing, GET /api/public/datatypes/
// (data_import/api_views.py DataTypesListAPIView, serializer data_import/serializers.py DataTypeSerializer),
// optionally only those a project registered (`?source_project=direct-sharing-<id>`), no authentication; and the
// control calls that fill the catalogue and set a project's registered types.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './context.ts';
import { drfView, requestBaseUrl, sendJson } from './drf.ts';
import { paginate } from './pagination.ts';
import { sourceLabel, type DataType } from './state.ts';

function entry(ctx: EmulatorContext, t: DataType): Record<string, unknown> {
  const children = [...ctx.state.dataTypes.values()].filter((c) => c.parent === t.id).map((c) => c.id);
  const sources = [...ctx.state.projects.values()]
    .filter((p) => p.registeredDatatypes.includes(t.id))
    .map((p) => `/api/public/project/${p.id}/`);
  return {
    id: t.id,
    name: t.name,
    parent: t.parent,
    children,
    description: t.description,
    source_projects: sources,
  };
}

async function listDataTypes(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const label = (request.query as Record<string, unknown>).source_project;
  let types = [...ctx.state.dataTypes.values()];
  if (typeof label === 'string' && label !== '') {
    const project = [...ctx.state.projects.values()].find((p) => sourceLabel(p.id) === label);
    // id_label_to_project finds nothing: the real view then fails on None (a 500); an empty list is kinder.
    types = project ? types.filter((t) => project.registeredDatatypes.includes(t.id)) : [];
  }
  const page = paginate(requestBaseUrl(request, ctx.baseUrl()), request.url, types);
  return sendJson(reply, 200, {
    count: page.count,
    next: page.next,
    previous: page.previous,
    results: page.results.map((t) => entry(ctx, t)),
  });
}

export function dataTypeRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  drfView(app, ctx.knownPaths, '/api/public/datatypes/', { GET: (q, r) => listDataTypes(ctx, q, r) });
}

const dataTypeSchema = z.object({
  name: z.string().min(1).max(40),
  description: z.string().max(1000).optional(),
  parent: z.union([z.number().int(), z.string().min(1)]).optional(),
});
const registrationSchema = z.object({
  registered_datatypes: z.array(z.union([z.number().int(), z.string().min(1)])),
  auto_add_datatypes: z.boolean().optional(),
});

function bad(reply: FastifyReply, error: z.ZodError | string) {
  return reply.code(400).send({ error: typeof error === 'string' ? error : z.prettifyError(error) });
}

export function dataTypeControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state } = ctx;
  app.post('/_control/datatypes', async (request, reply) => {
    const parsed = dataTypeSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, parsed.error);
    try {
      return reply.code(201).send(state.createDataType(parsed.data));
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
  });

  app.get('/_control/datatypes', async () => [...state.dataTypes.values()]);

  app.post('/_control/projects/:id/datatypes', async (request, reply) => {
    const project = state.projects.get(Number((request.params as { id: string }).id));
    if (!project) return reply.code(404).send({ error: 'unknown project' });
    const parsed = registrationSchema.safeParse(request.body);
    if (!parsed.success) return bad(reply, parsed.error);
    try {
      project.registeredDatatypes = state.dataTypeIds(parsed.data.registered_datatypes);
    } catch (err) {
      return bad(reply, (err as Error).message);
    }
    if (parsed.data.auto_add_datatypes !== undefined)
      project.autoAddDatatypes = parsed.data.auto_add_datatypes;
    return {
      registered_datatypes: project.registeredDatatypes,
      auto_add_datatypes: project.autoAddDatatypes,
    };
  });
}
