// Open Humans' data types (added after 2018): the catalogue's public listing, GET /api/public/datatypes/
// (data_import/api_views.py DataTypesListAPIView, serializer data_import/serializers.py DataTypeSerializer),
// optionally only those a project registered (`?source_project=direct-sharing-<id>`). No authentication.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
