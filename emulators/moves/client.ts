// A typed client for the Moves emulator's /_control API (docs/emulators.md): what the sandbox, the tests and the
// benchmarks use to create users, approve them as the phone app would, edit days, set faults and read counters —
// over HTTP, so it works on an emulator in this process or in another one.
import { controlFetch, controlRequest } from '../shared/control-request.ts';
import type { ConfigPatch, EmulatorConfig } from './config.ts';
import type { NameOverridesInput } from './name-overrides.ts';
import type { StatsSnapshot } from './stats.ts';

export interface MovesAppRegistration {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  notification_url?: string;
  name?: string;
}

export interface MovesUserSpec {
  /** yyyyMMdd or yyyy-MM-dd */
  firstDate: string;
  timeZone: string;
  seed?: number;
  /** Moves user ids exceed 2^53: always text here. */
  userId?: string;
}

export interface MovesUserInfo {
  userId: string;
  firstDate: string;
  timeZone: string;
  seed: number;
}

export interface MovesAuthorization {
  client_id: string;
  scope: string;
  redirect_uri?: string;
  state?: string;
}

export interface MovesControlClient {
  readonly url: string;
  createUser(user: MovesUserSpec): Promise<MovesUserInfo>;
  /** The user approves the app (what the phone app does): the code and the redirect the app would get. */
  authorize(userId: string, request: MovesAuthorization): Promise<{ code: string; redirect: string }>;
  /** The user revokes the app's grants (all apps without `clientId`): how many were revoked. */
  revoke(userId: string, clientId?: string): Promise<{ revoked: number }>;
  /** The user edits a day in the phone app (yyyyMMdd or yyyy-MM-dd). */
  editDay(userId: string, date: string): Promise<{ date: string } & Record<string, unknown>>;
  /** Every place and activity of the user gets these names (an empty object restores the generated ones). */
  setNames(userId: string, names: NameOverridesInput): Promise<unknown>;
  /** The user's export archive, moves_export.zip, as a streamed answer. */
  exportArchive(userId: string): Promise<Response>;
  stats(): Promise<StatsSnapshot>;
  /** Rate limits, time scale, clock offset, faults and behaviour; answers the whole configuration. */
  configure(patch: ConfigPatch): Promise<EmulatorConfig>;
}

export function movesControlClient(url: string): MovesControlClient {
  const user = (userId: string, action: string) => `/_control/users/${encodeURIComponent(userId)}/${action}`;
  return {
    url,
    createUser: (spec) => controlRequest(url, '/_control/users', spec),
    authorize: (userId, request) => controlRequest(url, user(userId, 'authorize'), request),
    revoke: (userId, clientId) =>
      controlRequest(url, user(userId, 'revoke'), clientId === undefined ? {} : { client_id: clientId }),
    editDay: (userId, date) => controlRequest(url, user(userId, 'edit'), { date }),
    setNames: (userId, names) => controlRequest(url, user(userId, 'names'), names),
    exportArchive: (userId) => controlFetch(url, `${user(userId, 'export')}?format=zip`),
    stats: () => controlRequest(url, '/_control/stats'),
    configure: (patch) => controlRequest(url, '/_control/config', patch),
  };
}
