// What the web role needs from the upstream clients and the accounts module (contract in the team docs).
// Routes reach Open Humans and Moves only through this interface, so the app can be built before and
// independently of the concrete clients, and tests can point it at the emulators.
import type { AppContext } from '../context.ts';
import type { MovesTokens } from '../moves/client.ts';
import type { OhMember, OhTokens } from '../openhumans/client.ts';
import { AuthRefusedError, UpstreamError } from '../upstream/errors.ts';

export type OhTokensLike = OhTokens;
export type OhMemberLike = OhMember;
export type MovesTokensLike = MovesTokens;

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
  ): Promise<{ memberId: number; created: boolean; sessionVersion?: number }>;
  connectMovesAccount(
    ctx: AppContext,
    memberId: number,
    tokens: MovesTokensLike,
  ): Promise<{ ok: true; changedAccount: boolean } | { ok: false; reason: 'linked_to_other_member' }>;
  getOhAccessToken(ctx: AppContext, memberId: number): Promise<string>;
}

/** An upstream refused our tokens (revoked, member left): the member must authorize again. */
export function isAuthRefused(err: unknown): boolean {
  return err instanceof AuthRefusedError;
}

/** A plain-words message from an UpstreamError, or a generic one; never a stack or a secret. */
export function upstreamMessage(err: unknown): string {
  if (err instanceof UpstreamError) return err.message.replace(/[.\s]+$/, '');
  return 'the service did not answer as expected';
}
