// What a restarted Open Humans emulator needs to carry on: projects (with their master tokens and data types),
// members and memberships, access and refresh tokens, file records and which stored objects exist (their bytes
// stay in the storage folder). Codes, sessions, download keys, messages, webhook deliveries and stats are
// short-lived or recordings for tests, and start afresh.
import { z } from 'zod';
import type { EmulatorState } from './state.ts';
import type { ObjectStorage } from './storage.ts';

const projectSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  clientId: z.string(),
  clientSecret: z.string(),
  redirectUri: z.string(),
  webhookUrl: z.string().optional(),
  webhookSecret: z.string().optional(),
  requestUsernameAccess: z.boolean(),
  masterToken: z.string(),
  masterTokenExpiresAt: z.number(),
  registeredDatatypes: z.array(z.number().int()),
  autoAddDatatypes: z.boolean(),
});

const tokenFields = {
  token: z.string(),
  projectId: z.number().int(),
  memberId: z.string(),
  scope: z.string(),
};

export const openHumansSnapshotSchema = z.object({
  version: z.literal(1),
  counters: z.object({ project: z.number().int(), file: z.number().int(), dataType: z.number().int() }),
  projects: z.array(projectSchema),
  members: z.array(z.object({ projectMemberId: z.string(), username: z.string(), created: z.number() })),
  memberships: z.array(
    z.object({
      projectId: z.number().int(),
      memberId: z.string(),
      created: z.number(),
      joined: z.boolean(),
      authorized: z.boolean(),
      revoked: z.boolean(),
      erasureRequested: z.number().nullable(),
    }),
  ),
  dataTypes: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      description: z.string(),
      parent: z.number().int().nullable(),
      created: z.number(),
    }),
  ),
  files: z.array(
    z.object({
      id: z.number().int(),
      projectId: z.number().int(),
      memberId: z.string(),
      basename: z.string(),
      storageKey: z.string(),
      metadata: z.record(z.string(), z.unknown()),
      datatypes: z.array(z.number().int()),
      created: z.number(),
      completed: z.boolean(),
    }),
  ),
  tokens: z.object({
    access: z.array(z.object({ ...tokenFields, expiresAt: z.number() })),
    refresh: z.array(z.object({ ...tokenFields, accessToken: z.string().nullable() })),
  }),
  objects: z.array(z.object({ key: z.string(), size: z.number().int(), md5: z.string() })),
});
export type OpenHumansSnapshot = z.infer<typeof openHumansSnapshotSchema>;

export function snapshotState(state: EmulatorState, storage: ObjectStorage): OpenHumansSnapshot {
  return {
    version: 1,
    counters: { ...state.counters },
    projects: [...state.projects.values()].map((p) => ({
      ...p,
      webhookUrl: p.webhookUrl,
      webhookSecret: p.webhookSecret,
    })),
    members: [...state.members.values()],
    memberships: [...state.memberships.values()],
    dataTypes: [...state.dataTypes.values()],
    files: [...state.files.values()],
    tokens: state.tokens.snapshot(),
    objects: storage.records(),
  };
}

/** Fills a fresh state and storage from a snapshot. */
export function restoreState(state: EmulatorState, storage: ObjectStorage, s: OpenHumansSnapshot): void {
  state.counters = { ...s.counters };
  for (const p of s.projects)
    state.projects.set(p.id, { ...p, webhookUrl: p.webhookUrl, webhookSecret: p.webhookSecret });
  for (const m of s.members) state.members.set(m.projectMemberId, { ...m });
  for (const m of s.memberships) state.memberships.set(`${m.projectId}:${m.memberId}`, { ...m });
  for (const t of s.dataTypes) state.dataTypes.set(t.id, { ...t });
  for (const f of s.files) state.files.set(f.id, { ...f });
  state.tokens.restore(s.tokens);
  storage.restore(s.objects);
}
