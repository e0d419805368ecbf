// The emulator's in-memory model: projects, members, memberships, files, messages and webhook deliveries.
import { EmulatorClock } from './clock.ts';
import { newProjectMemberId, randomAlphanumeric } from './ids.ts';
import { TokenStore } from './token-store.ts';

export const MASTER_TOKEN_LIFETIME_MS = 24 * 3600 * 1000;

export interface Project {
  id: number;
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  requestUsernameAccess: boolean;
  masterToken: string;
  masterTokenExpiresAt: number;
  /** Ids of the data types the project registered (DataRequestProject.registered_datatypes). */
  registeredDatatypes: number[];
  /** Uploads that name no data types get the registered ones (auto_add_datatypes). */
  autoAddDatatypes: boolean;
}

/** A data type of the site's catalogue (data_import.models.DataType). */
export interface DataType {
  id: number;
  name: string;
  description: string;
  parent: number | null;
  created: number;
}

export interface Member {
  projectMemberId: string;
  username: string;
  created: number;
}

export interface Membership {
  projectId: number;
  memberId: string;
  created: number;
  joined: boolean;
  authorized: boolean;
  revoked: boolean;
  erasureRequested: number | null;
}

export interface DataFile {
  id: number;
  projectId: number;
  memberId: string;
  basename: string;
  storageKey: string;
  metadata: Record<string, unknown>;
  /** Ids of the file's data types. */
  datatypes: number[];
  created: number;
  completed: boolean;
}

export interface RecordedMessage {
  projectId: number;
  projectMemberIds: string[];
  subject: string;
  message: string;
  at: number;
}

export interface WebhookDelivery {
  projectId: number;
  projectMemberId: string;
  url: string;
  body: string;
  signature: string | null;
  status: number | null;
  error: string | null;
  legacyRetryStatus: number | null;
  at: number;
}

export class EmulatorState {
  readonly clock = new EmulatorClock();
  readonly tokens = new TokenStore(this.clock);
  readonly projects = new Map<number, Project>();
  readonly members = new Map<string, Member>();
  readonly memberships = new Map<string, Membership>();
  readonly files = new Map<number, DataFile>();
  readonly messages: RecordedMessage[] = [];
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly dataTypes = new Map<number, DataType>();
  /** Next ids (kept across restarts by the state file). */
  counters = { project: 1, file: 1, dataType: 1 };

  createProject(p: ProjectRegistration): Project {
    // Re-registering a client_id updates it and issues a fresh master token (a way to renew the 24 h token).
    const existing = this.projectByClientId(p.client_id);
    const id = this.projectId(existing, p.id);
    const registered = p.registered_datatypes ?? (existing ? existing.registeredDatatypes : []);
    const project: Project = {
      id,
      name: p.name ?? existing?.name ?? `Emulated project ${id}`,
      clientId: p.client_id,
      clientSecret: p.client_secret,
      redirectUri: p.redirect_uri,
      webhookUrl: p.webhook_url,
      webhookSecret: p.webhook_secret,
      requestUsernameAccess: p.request_username_access ?? false,
      masterToken: randomAlphanumeric(64),
      masterTokenExpiresAt: this.clock.now() + this.clock.scaled(MASTER_TOKEN_LIFETIME_MS),
      registeredDatatypes: this.dataTypeIds(registered),
      autoAddDatatypes: p.auto_add_datatypes ?? existing?.autoAddDatatypes ?? false,
    };
    this.projects.set(id, project);
    return project;
  }

  /** The project's id: its own when re-registered, the one asked for if free, else the next one. */
  private projectId(existing: Project | undefined, wanted: number | undefined): number {
    if (existing) {
      if (wanted !== undefined && wanted !== existing.id)
        throw new Error(`client_id ${existing.clientId} is project ${existing.id}, not ${wanted}`);
      return existing.id;
    }
    if (wanted === undefined) {
      while (this.projects.has(this.counters.project)) this.counters.project += 1;
      return this.counters.project++;
    }
    if (this.projects.has(wanted)) throw new Error(`project id ${wanted} is taken by another client_id`);
    return wanted;
  }

  /** A data type of the catalogue (its name is unique, compared without case, as the site's lookups are). */
  createDataType(d: { name: string; description?: string; parent?: number | string }): DataType {
    if (this.dataTypeByName(d.name)) throw new Error(`a data type named "${d.name}" exists`);
    const parent = d.parent === undefined ? null : this.dataTypeIds([d.parent])[0]!;
    const type: DataType = {
      id: this.counters.dataType++,
      name: d.name,
      description: d.description ?? '',
      parent,
      created: this.clock.now(),
    };
    this.dataTypes.set(type.id, type);
    return type;
  }

  dataTypeByName(name: string): DataType | undefined {
    const lower = name.toLowerCase();
    for (const t of this.dataTypes.values()) if (t.name.toLowerCase() === lower) return t;
    return undefined;
  }

  /** Ids of existing data types named by id or name; an unknown one is an Error. */
  dataTypeIds(refs: readonly (number | string)[]): number[] {
    return refs.map((r) => {
      const t = typeof r === 'number' ? this.dataTypes.get(r) : this.dataTypeByName(r);
      if (!t) throw new Error(`no data type ${JSON.stringify(r)}`);
      return t.id;
    });
  }

  projectByClientId(clientId: string): Project | undefined {
    for (const p of this.projects.values()) if (p.clientId === clientId) return p;
    return undefined;
  }

  projectByMasterToken(token: string): Project | undefined {
    for (const p of this.projects.values()) if (p.masterToken === token) return p;
    return undefined;
  }

  createMember(username?: string): Member {
    const projectMemberId = newProjectMemberId((id) => this.members.has(id));
    const member: Member = {
      projectMemberId,
      username: username ?? `member${this.members.size + 1}`,
      created: this.clock.now(),
    };
    this.members.set(projectMemberId, member);
    return member;
  }

  memberByUsername(username: string): Member | undefined {
    for (const m of this.members.values()) if (m.username === username) return m;
    return undefined;
  }

  membership(projectId: number, memberId: string): Membership | undefined {
    return this.memberships.get(`${projectId}:${memberId}`);
  }

  /** An active membership: joined, authorized and not revoked (what the API views require). */
  activeMembership(projectId: number, memberId: string): Membership | undefined {
    const m = this.membership(projectId, memberId);
    return m && m.joined && m.authorized && !m.revoked ? m : undefined;
  }

  activeMembers(projectId: number): Membership[] {
    return [...this.memberships.values()]
      .filter((m) => m.projectId === projectId && m.joined && m.authorized && !m.revoked)
      .sort((a, b) => a.created - b.created);
  }

  /** What clicking "Authorize" does: create or re-activate the membership (its id stays stable). */
  authorizeMembership(projectId: number, memberId: string): Membership {
    const key = `${projectId}:${memberId}`;
    const existing = this.memberships.get(key);
    const m: Membership = existing ?? {
      projectId,
      memberId,
      created: this.clock.now(),
      joined: true,
      authorized: true,
      revoked: false,
      erasureRequested: null,
    };
    Object.assign(m, { joined: true, authorized: true, revoked: false, erasureRequested: null });
    this.memberships.set(key, m);
    return m;
  }

  /** leave_project: revoke the membership and delete every token of the member for the project. */
  revokeMembership(projectId: number, memberId: string, erasureRequested: boolean): Membership | undefined {
    const m = this.membership(projectId, memberId);
    if (!m) return undefined;
    Object.assign(m, {
      joined: false,
      authorized: false,
      revoked: true,
      erasureRequested: erasureRequested ? this.clock.now() : null,
    });
    this.tokens.deleteForMember(projectId, memberId);
    return m;
  }

  addFile(f: Omit<DataFile, 'id' | 'created'>): DataFile {
    const file: DataFile = { ...f, id: this.counters.file++, created: this.clock.now() };
    this.files.set(file.id, file);
    return file;
  }

  /** Completed files visible to the project for a member, ordered by source then id (the real queryset). */
  visibleFiles(projectId: number, memberId: string): DataFile[] {
    return [...this.files.values()]
      .filter((f) => f.completed && f.memberId === memberId && f.projectId === projectId)
      .sort((a, b) => sourceLabel(a.projectId).localeCompare(sourceLabel(b.projectId)) || a.id - b.id);
  }
}

export interface ProjectRegistration {
  client_id: string;
  client_secret: string;
  redirect_uri: string;
  webhook_url?: string | undefined;
  webhook_secret?: string | undefined;
  name?: string | undefined;
  request_username_access?: boolean | undefined;
  /** The project's id on the site (`direct-sharing-<id>`); the next free one when absent. */
  id?: number | undefined;
  /** Data types (ids or names of existing ones) the project registers; kept on re-registration when absent. */
  registered_datatypes?: (number | string)[] | undefined;
  auto_add_datatypes?: boolean | undefined;
}

/** The public API path of a data type, as project and file entries link to it. */
export function dataTypePath(id: number): string {
  return `/api/public/datatype/${id}/`;
}

export function sourceLabel(projectId: number): string {
  return `direct-sharing-${projectId}`;
}
