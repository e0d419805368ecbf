// OAuth2 grants as django-oauth-toolkit keeps them: single-use codes, access tokens bound to a refresh token,
// rotating refresh tokens whose old pair stops working at once.
import type { EmulatorClock } from './clock.ts';
import { randomAlphanumeric } from './ids.ts';

export const CODE_LIFETIME_MS = 30 * 60 * 1000;
export const ACCESS_TOKEN_LIFETIME_MS = 36_000 * 1000;
export const DEFAULT_SCOPE = 'american-gut read wildlife open-humans write pgp go-viral';

export interface AuthorizationCode {
  code: string;
  projectId: number;
  memberId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  expiresAt: number;
}

export interface AccessToken {
  token: string;
  projectId: number;
  memberId: string;
  scope: string;
  expiresAt: number;
}

export interface RefreshToken {
  token: string;
  projectId: number;
  memberId: string;
  scope: string;
  accessToken: string | null;
}

export interface IssuedPair {
  access: AccessToken;
  refresh: RefreshToken;
}

export class TokenStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, RefreshToken>();

  private readonly clock: EmulatorClock;

  constructor(clock: EmulatorClock) {
    this.clock = clock;
  }

  issueCode(c: Omit<AuthorizationCode, 'code' | 'expiresAt'>): AuthorizationCode {
    const code: AuthorizationCode = {
      ...c,
      code: randomAlphanumeric(30),
      expiresAt: this.clock.now() + this.clock.scaled(CODE_LIFETIME_MS),
    };
    this.codes.set(code.code, code);
    return code;
  }

  /** A code that exists, belongs to the project and has not expired (not yet consumed). */
  findCode(code: string, projectId: number): AuthorizationCode | undefined {
    const c = this.codes.get(code);
    if (!c || c.projectId !== projectId) return undefined;
    if (c.expiresAt <= this.clock.now()) {
      this.codes.delete(code);
      return undefined;
    }
    return c;
  }

  consumeCode(code: string): void {
    this.codes.delete(code);
  }

  issuePair(projectId: number, memberId: string, scope: string): IssuedPair {
    const access: AccessToken = {
      token: randomAlphanumeric(30),
      projectId,
      memberId,
      scope,
      expiresAt: this.clock.now() + this.clock.scaled(ACCESS_TOKEN_LIFETIME_MS),
    };
    const refresh: RefreshToken = {
      token: randomAlphanumeric(30),
      projectId,
      memberId,
      scope,
      accessToken: access.token,
    };
    this.access.set(access.token, access);
    this.refresh.set(refresh.token, refresh);
    return { access, refresh };
  }

  findAccess(token: string): AccessToken | undefined {
    return this.access.get(token);
  }

  findRefresh(token: string, projectId: number): RefreshToken | undefined {
    const r = this.refresh.get(token);
    return r && r.projectId === projectId ? r : undefined;
  }

  /** ROTATE_REFRESH_TOKEN with no grace period: the old refresh token and its access token die. */
  rotate(old: RefreshToken): IssuedPair {
    this.revokeRefresh(old.token);
    return this.issuePair(old.projectId, old.memberId, old.scope);
  }

  revokeRefresh(token: string): void {
    const r = this.refresh.get(token);
    if (!r) return;
    if (r.accessToken) this.access.delete(r.accessToken);
    this.refresh.delete(token);
  }

  revokeAccess(token: string): void {
    this.access.delete(token);
    for (const r of this.refresh.values()) if (r.accessToken === token) r.accessToken = null;
  }

  hasUnexpiredAccess(projectId: number, memberId: string): boolean {
    const now = this.clock.now();
    for (const a of this.access.values()) {
      if (a.projectId === projectId && a.memberId === memberId && a.expiresAt > now) return true;
    }
    return false;
  }

  deleteForMember(projectId: number, memberId: string): void {
    for (const [k, a] of this.access)
      if (a.projectId === projectId && a.memberId === memberId) this.access.delete(k);
    for (const [k, r] of this.refresh)
      if (r.projectId === projectId && r.memberId === memberId) this.refresh.delete(k);
    for (const [k, c] of this.codes)
      if (c.projectId === projectId && c.memberId === memberId) this.codes.delete(k);
  }

  /** Live tokens, for the state file (codes are short-lived and not kept); expired access tokens are left out. */
  snapshot(): { access: AccessToken[]; refresh: RefreshToken[] } {
    const now = this.clock.now();
    return {
      access: [...this.access.values()].filter((a) => a.expiresAt > now),
      refresh: [...this.refresh.values()],
    };
  }

  restore(saved: { access: AccessToken[]; refresh: RefreshToken[] }): void {
    for (const a of saved.access) this.access.set(a.token, { ...a });
    for (const r of saved.refresh) this.refresh.set(r.token, { ...r });
  }

  /** Seconds of real time left, as `expires_in` reports them (clients need no knowledge of the scale). */
  expiresIn(a: AccessToken): number {
    return Math.max(0, Math.round((a.expiresAt - this.clock.now()) / 1000));
  }
}
