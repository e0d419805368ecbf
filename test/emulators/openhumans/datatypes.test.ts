// Data types as Open Humans added them after 2018 (private_sharing/forms.py clean_datatypes,
// data_import/api_views.py DataTypesListAPIView): a catalogue, the types a project registered, the optional
// `datatypes` upload field with both refusals, auto_add_datatypes, the types on the member's files and the
// public listing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOpenHumansEmulator } from '../../../emulators/openhumans/index.ts';
import { apiUrl, authorizedMember, CLIENT, META, postForm, start } from './helpers.ts';

let e: RunningOpenHumansEmulator;
let projectId: number;
let gps: number;
let steps: number;
let sleep: number;

beforeAll(async () => {
  e = await start();
  gps = (await e.control.createDataType({ name: 'GPS location', description: 'Where you were' })).id;
  steps = (await e.control.createDataType({ name: 'Step count', parent: 'GPS location' })).id;
  sleep = (await e.control.createDataType({ name: 'Sleep' })).id;
  projectId = e.createProject({ ...CLIENT, id: 138, registered_datatypes: ['GPS location', steps] }).id;
});
afterAll(async () => e.close());

/** upload/direct/ with these extra fields: the status and the JSON answer. */
async function startUpload(token: string, extra: Record<string, string>) {
  const res = await postForm(apiUrl(e, 'files/upload/direct/', token), {
    filename: 'f.json',
    metadata: META,
    ...extra,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function filesOf(token: string) {
  const res = await fetch(apiUrl(e, 'exchange-member/', token));
  return ((await res.json()) as { data: { id: number; datatypes: string[] }[] }).data;
}

/** A completed upload (legacy multipart) naming these data types, or none: its file id. */
async function uploadWith(token: string, datatypes?: string): Promise<number> {
  const form = new FormData();
  form.set('metadata', META);
  if (datatypes !== undefined) form.set('datatypes', datatypes);
  form.set('data_file', new Blob(['[]']), 'f.json');
  const res = await fetch(apiUrl(e, 'files/upload/', token), { method: 'POST', body: form });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

describe('data types', () => {
  it('registers the project as 138 with its data types', async () => {
    expect(projectId).toBe(138);
    const [project] = (await (await fetch(`${e.url}/_control/projects`)).json()) as {
      registered_datatypes: number[];
    }[];
    expect(project!.registered_datatypes).toEqual([gps, steps]);
  });

  it('accepts registered types by name (any case) or id and shows them on the member’s files', async () => {
    const { tokens } = await authorizedMember(e);
    const byName = await uploadWith(tokens.access_token, JSON.stringify(['gps LOCATION', 'Step count']));
    const byId = await uploadWith(tokens.access_token, JSON.stringify([steps]));
    const none = await uploadWith(tokens.access_token);
    const files = await filesOf(tokens.access_token);
    const types = (id: number) => files.find((f) => f.id === id)!.datatypes;
    expect(types(byName)).toEqual([
      `${e.url}/api/public/datatype/${gps}/`,
      `${e.url}/api/public/datatype/${steps}/`,
    ]);
    expect(types(byId)).toEqual([`${e.url}/api/public/datatype/${steps}/`]);
    expect(types(none)).toEqual([]);
  });

  it('refuses unknown types first, then types the project did not register, with OH’s texts', async () => {
    const { tokens } = await authorizedMember(e);
    const unknown = await startUpload(tokens.access_token, { datatypes: JSON.stringify(['Sleep', 'Nope']) });
    expect(unknown).toEqual({
      status: 400,
      body: { datatypes: ["The following datatypes don't match items in our database: ['Nope']"] },
    });
    const unregistered = await startUpload(tokens.access_token, { datatypes: JSON.stringify([sleep]) });
    expect(unregistered).toEqual({
      status: 400,
      body: { datatypes: [`The following datatypes aren't registered for this project: [${sleep}]`] },
    });
    const garbled = await startUpload(tokens.access_token, { datatypes: '[GPS' });
    expect(garbled.body).toEqual({ datatypes: ["Could not parse the uploaded datatypes from: '[GPS'"] });
  });

  it('gives uploads that name none the registered types when the project has auto_add_datatypes', async () => {
    const { tokens } = await authorizedMember(e);
    await e.control.registerDataTypes(projectId, {
      registered_datatypes: [gps, steps],
      auto_add_datatypes: true,
    });
    try {
      const auto = await uploadWith(tokens.access_token);
      const empty = await uploadWith(tokens.access_token, '[]');
      const files = await filesOf(tokens.access_token);
      expect(files.find((f) => f.id === auto)!.datatypes).toHaveLength(2);
      expect(files.find((f) => f.id === empty)!.datatypes).toEqual([]);
    } finally {
      await e.control.registerDataTypes(projectId, {
        registered_datatypes: [gps, steps],
        auto_add_datatypes: false,
      });
    }
  });

  it('lists the catalogue publicly, or a project’s registered types with source_project', async () => {
    const all = (await (await fetch(`${e.url}/api/public/datatypes/`)).json()) as {
      count: number;
      results: Record<string, unknown>[];
    };
    expect(all.count).toBe(3);
    expect(all.results[0]).toEqual({
      id: gps,
      name: 'GPS location',
      parent: null,
      children: [steps],
      description: 'Where you were',
      source_projects: ['/api/public/project/138/'],
    });
    const mine = (await (
      await fetch(`${e.url}/api/public/datatypes/?source_project=direct-sharing-138`)
    ).json()) as { results: { name: string }[] };
    expect(mine.results.map((t) => t.name)).toEqual(['GPS location', 'Step count']);
  });
});
