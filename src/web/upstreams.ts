// What the web role needs from the upstream clients and the accounts module (contract in the team docs).
// Routes reach Open Humans and Moves only through this interface, so the app can be built before and
// independently of the concrete clients, and tests can point it at the emulators.
import type { AppContext } from '../context.ts';

export interface OhTokensLike {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  scope: string;
}
export interface OhFileLike {
  id: number;
  basename: string;
  created: string;
  downloadUrl: string;
  metadata: { description?: string; tags?: string[]; [k: string]: unknown };
  source: string;
}
export interface OhMemberLike {
  projectMemberId: string;
  username?: string;
  created: string;
  files: OhFileLike[];
}
export interface MovesTokensLike {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  issuedAt: Date;
  userId: string;
}

export interface WebUpstreams {
  openHumans: {
    authorizeUrl(p: { state: string; codeChallenge: string }): string;
    exchangeCode(code: string, codeVerifier?: string): Promise<OhTokensLike>;
    exchangeMember(accessToken: string): Promise<OhMemberLike>;
    deleteFile(
      accessToken: string,
      p: { fileId: number } | { basename: string } | { allFiles: true },
    ): Promise<number[]>;
    removeMember(accessToken: string): Promise<void>;
  };
  moves: {
    authorizeUrl(p: { state: string }): string;
    exchangeCode(code: string): Promise<MovesTokensLike>;
  };
  upsertMemberFromLogin(
    ctx: AppContext,
    p: { member: OhMemberLike; tokens: OhTokensLike },
  ): Promise<{ memberId: number; created: boolean }>;
  connectMovesAccount(
    ctx: AppContext,
    memberId: number,
    tokens: MovesTokensLike,
  ): Promise<{ ok: true } | { ok: false; reason: 'linked_to_other_member' }>;
  getOhAccessToken(ctx: AppContext, memberId: number): Promise<string>;
}

/** An upstream refused our tokens (revoked, member left): the member must authorize again. */
export function isAuthRefused(err: unknown): boolean {
  return err instanceof Error && err.name === 'AuthRefusedError';
}

/** A plain-words message from an UpstreamError, or a generic one; never a stack or a secret. */
export function upstreamMessage(err: unknown): string {
  if (err instanceof Error && /Error$/.test(err.name) && 'service' in err && typeof err.message === 'string')
    return err.message;
  return 'the service did not answer as expected';
}
