// A typed client for the Open Humans emulator's /_control API (docs/emulators.md): what the sandbox, the tests
// and the benchmarks use to register a project, create members, approve them as the consent page would, make
// them leave, list their files, read messages and counters, and set faults — over HTTP, so it works on
// an emulator in this process or in another one.
import { controlRequest } from '../shared/control-request.ts';
import type { FaultConfig } from './faults.ts';
import type { RecordedMessage } from './state.ts';

export interface OpenHumansProjectRegistration {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  webhook_url?: string;
  webhook_secret?: string;
  name?: string;
  request_username_access?: boolean;
  /** The project's id (`direct-sharing-<id>`); the next free one when absent. */
  id?: number;
  /** Data types (ids or names of existing ones) the project registers. */
  registered_datatypes?: (number | string)[];
  auto_add_datatypes?: boolean;
}

/** A data type of the emulated site's catalogue. */
export interface OpenHumansDataType {
  id: number;
  name: string;
  description: string;
  parent: number | null;
  created: number;
}

export interface OpenHumansAuthorization {
  client_id: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: 'S256' | 'plain';
  redirect_uri?: string;
}

/** A member's file as the control API lists it (incomplete: a direct upload not yet completed). */
export interface OpenHumansControlFile {
  id: number;
  project_id: number;
  basename: string;
  created: string;
  metadata: unknown;
  incomplete: boolean;
  stored: boolean;
  size: number | null;
  md5: string | null;
}

export interface OpenHumansStats {
  bytesUploaded: number;
  bytesDownloaded: number;
  requests: Record<string, Record<string, number>>;
}

/** Time and faults; the fault fields may also stand at the top level. */
export type OpenHumansConfigPatch = FaultConfig & {
  timeScale?: number;
  clockOffsetMs?: number;
  faults?: FaultConfig;
  resetFaults?: boolean;
};

export interface OpenHumansControlClient {
  readonly url: string;
  createProject(project: OpenHumansProjectRegistration): Promise<{ id: number; master_token: string }>;
  /** A new member (with this username, if given). */
  createMember(username?: string): Promise<{ project_member_id: string; username: string }>;
  /** The member approves the project (what the consent page does): the code and the redirect. */
  authorize(memberId: string, request: OpenHumansAuthorization): Promise<{ code: string; redirect: string }>;
  /** The member leaves the project (every project without `client_id`), as on the Open Humans site. */
  leave(
    memberId: string,
    options?: { erasure_requested?: boolean; client_id?: string },
  ): Promise<{ left: { project_id: number; webhook: unknown }[] }>;
  files(memberId: string): Promise<OpenHumansControlFile[]>;
  /** Adds a data type to the catalogue (names are unique, without regard to case). */
  createDataType(d: {
    name: string;
    description?: string;
    parent?: number | string;
  }): Promise<OpenHumansDataType>;
  dataTypes(): Promise<OpenHumansDataType[]>;
  /** The data types a project registers (ids or names), and whether uploads naming none get them. */
  registerDataTypes(
    projectId: number,
    registration: { registered_datatypes: (number | string)[]; auto_add_datatypes?: boolean },
  ): Promise<{ registered_datatypes: number[]; auto_add_datatypes: boolean }>;
  messages(): Promise<RecordedMessage[]>;
  stats(): Promise<OpenHumansStats>;
  configure(patch: OpenHumansConfigPatch): Promise<unknown>;
}

export function openHumansControlClient(url: string): OpenHumansControlClient {
  const member = (id: string, action: string) => `/_control/members/${encodeURIComponent(id)}/${action}`;
  return {
    url,
    createProject: (project) => controlRequest(url, '/_control/projects', project),
    createMember: (username) =>
      controlRequest(url, '/_control/members', username === undefined ? {} : { username }),
    authorize: (memberId, request) => controlRequest(url, member(memberId, 'authorize'), request),
    leave: (memberId, options = {}) => controlRequest(url, member(memberId, 'leave'), options),
    files: (memberId) => controlRequest(url, member(memberId, 'files')),
    createDataType: (d) => controlRequest(url, '/_control/datatypes', d),
    dataTypes: () => controlRequest(url, '/_control/datatypes'),
    registerDataTypes: (projectId, registration) =>
      controlRequest(url, `/_control/projects/${projectId}/datatypes`, registration),
    messages: () => controlRequest(url, '/_control/messages'),
    stats: () => controlRequest(url, '/_control/stats'),
    configure: (patch) => controlRequest(url, '/_control/config', patch),
  };
}
