// The accounts service: owns `members` and `moves_accounts` — who signed in, their Moves link, their tokens
// (encrypted at rest, refreshed with compare-and-swap) and whether an upstream needs them to reconnect.
// Nothing else writes these tables; removals that span every domain run from here (removal.ts).
import type { AppContext } from '../context.ts';
import type { MovesProfile, MovesTokens } from '../moves/client.ts';
import type { OhMember, OhTokens } from '../openhumans/client.ts';
import type { SyncStatus } from '../db/schema.ts';
import type { UpstreamService } from '../upstream/errors.ts';
import {
  adminMemberList,
  connectedInStates,
  memberById,
  memberCount,
  memberOverview,
  staleMembers,
  syncStart,
  type AdminMemberRow,
  type Member,
  type MemberOverview,
  type SyncStart,
} from './member-views.ts';
import {
  findMemberByOhId,
  lockMemberAuthorization,
  markOhRefused,
  markRemovalStarted,
  removalUnderWay,
  removeMember,
  upsertMemberFromLogin,
  type UpsertMemberOptions,
} from './members.ts';
import {
  connectMovesAccount,
  getMovesAccount,
  markMovesRefused,
  movesAccountByUserId,
  removeMovesAccount,
  saveMovesProfile,
  type ConnectResult,
  type MovesAccountInfo,
} from './moves-accounts.ts';
import { setMapTilesConsent } from './map-consent.ts';
import {
  getPreferences,
  saveMovesLocalization,
  setPreferences,
  type StoredPreferences,
} from './preferences.ts';
import type { ChosenPrefs, MovesLocalization } from '../storyline/units.ts';
import { endSessions } from './sessions.ts';
import {
  deauthorize,
  deleteAccount,
  disconnectMoves,
  forgetMember,
  type DeauthorizationOutcome,
  type RemovalReport,
} from './removal.ts';
import {
  getMovesAccessToken,
  getOhAccessToken,
  withOhAccess,
  type Access,
  type TokenOptions,
} from './tokens.ts';

export interface AccountService {
  upsertMemberFromLogin(
    p: { member: OhMember; tokens: OhTokens },
    opts?: UpsertMemberOptions,
  ): Promise<{ memberId: number; created: boolean; sessionVersion: number; wasRefused: boolean }>;
  /** Records (on = true) or withdraws the member's consent to background map tiles. */
  setMapTilesConsent(memberId: number, on: boolean): Promise<void>;
  /** The member's units and locale choices and their Moves profile's localization. */
  preferences(memberId: number): Promise<StoredPreferences>;
  /** Stores the member's units and locale choices (null = automatic). */
  setPreferences(memberId: number, chosen: ChosenPrefs): Promise<void>;
  /** Keeps the localization of a Moves profile just read. */
  saveMovesLocalization(memberId: number, localization: MovesLocalization): Promise<void>;
  /** Ends every session of the member (logout): their session version goes up. */
  endSessions(memberId: number): Promise<void>;
  findMemberByOhId(ohMemberId: string): Promise<number | undefined>;
  /** Inside a transaction: the member's row locked, and when their current authorization began. */
  lockMemberAuthorization(ohMemberId: string): Promise<{ memberId: number; authorizedAt: Date } | undefined>;
  /** The member without their tokens. */
  member(memberId: number): Promise<Member | undefined>;
  memberCount(): Promise<number>;
  connectMoves(
    memberId: number,
    tokens: MovesTokens,
    profile?: Pick<MovesProfile, 'firstDate' | 'timeZone'>,
  ): Promise<ConnectResult>;
  /** The Moves account without its tokens. */
  movesAccount(memberId: number): Promise<MovesAccountInfo | undefined>;
  movesAccountByUserId(movesUserId: string): Promise<MovesAccountInfo | undefined>;
  /** Caches the profile facts the sync needs (first day with data, current time zone). */
  saveMovesProfile(memberId: number, profile: Pick<MovesProfile, 'firstDate' | 'timeZone'>): Promise<void>;
  /** The one place that stores "the member must reconnect" for a service. */
  markNeedsReconnect(memberId: number, service: UpstreamService): Promise<void>;
  ohAccessToken(memberId: number, opts?: TokenOptions): Promise<string>;
  movesAccess(memberId: number, opts?: TokenOptions): Promise<Access>;
  /** Runs `fn` with the member's Open Humans token; after a 401, once more with a refreshed one. */
  withOhAccess<T>(memberId: number, fn: (accessToken: string) => Promise<T>): Promise<T>;
  /** Everything the dashboard and its poll show, in one query. */
  overview(memberId: number, eventLimit: number): Promise<MemberOverview | undefined>;
  adminList(limit: number): Promise<AdminMemberRow[]>;
  /** Connected members due for a scheduled sync. */
  dueForSync(staleBefore: Date): Promise<number[]>;
  /** Members with a connected Moves account whose sync state is one of `statuses` (crash recovery). */
  connectedInStates(
    statuses: SyncStatus[],
  ): Promise<{ memberId: number; status: SyncStatus; nextRunAt: Date | null }[]>;
  /** What a sync job starts from: the member, the Moves account and the sync state. */
  syncStart(memberId: number): Promise<SyncStart | undefined>;
  /** Removes the Moves link; the Moves user id it had. */
  removeMovesAccount(memberId: number): Promise<string | null>;
  /** "Disconnect Moves": the published files, our stored weeks, the sync state and the Moves link. */
  disconnectMoves(memberId: number): Promise<RemovalReport>;
  /** "Delete my account": the published files, the project membership and every row we hold. */
  deleteAccount(memberId: number): Promise<RemovalReport>;
  /** The member left on Open Humans (deauthorization webhook): everything held here goes. */
  forgetMember(memberId: number): Promise<RemovalReport>;
  /** The deauthorization webhook: forgets the member unless they authorized us again after `leftAt`. */
  deauthorize(ohMemberId: string, leftAt: Date): Promise<DeauthorizationOutcome>;
  /** Marks (on) or clears (off) "a removal of the member's data is under way": their syncs stop meanwhile. */
  markRemovalStarted(memberId: number, on: boolean): Promise<void>;
  /** Whether a removal of the member's data is under way, or the member is gone: a sync must stop. */
  removalUnderWay(memberId: number): Promise<boolean>;
  /** Deletes the member row (cascading to whatever still refers to it). */
  removeMember(memberId: number): Promise<void>;
}

export function createAccountService(ctx: AppContext): AccountService {
  return {
    upsertMemberFromLogin: (p, opts) => upsertMemberFromLogin(ctx, p, opts),
    setMapTilesConsent: (memberId, on) => setMapTilesConsent(ctx, memberId, on),
    preferences: (memberId) => getPreferences(ctx, memberId),
    setPreferences: (memberId, chosen) => setPreferences(ctx, memberId, chosen),
    saveMovesLocalization: (memberId, l) => saveMovesLocalization(ctx, memberId, l),
    endSessions: (memberId) => endSessions(ctx, memberId),
    findMemberByOhId: (ohMemberId) => findMemberByOhId(ctx, ohMemberId),
    lockMemberAuthorization: (ohMemberId) => lockMemberAuthorization(ctx, ohMemberId),
    member: (memberId) => memberById(ctx, memberId),
    memberCount: () => memberCount(ctx),
    connectMoves: (memberId, tokens, profile) => connectMovesAccount(ctx, memberId, tokens, profile),
    movesAccount: (memberId) => getMovesAccount(ctx, memberId),
    movesAccountByUserId: (movesUserId) => movesAccountByUserId(ctx, movesUserId),
    saveMovesProfile: (memberId, profile) => saveMovesProfile(ctx, memberId, profile),
    markNeedsReconnect: (memberId, service) =>
      service === 'moves' ? markMovesRefused(ctx, memberId) : markOhRefused(ctx, memberId),
    ohAccessToken: (memberId, opts = {}) => getOhAccessToken(ctx, memberId, opts),
    movesAccess: (memberId, opts = {}) => getMovesAccessToken(ctx, memberId, opts),
    withOhAccess: (memberId, fn) => withOhAccess(ctx, memberId, fn),
    overview: (memberId, eventLimit) => memberOverview(ctx, memberId, eventLimit),
    adminList: (limit) => adminMemberList(ctx, limit),
    dueForSync: (staleBefore) => staleMembers(ctx, staleBefore),
    syncStart: (memberId) => syncStart(ctx, memberId),
    connectedInStates: (statuses) => connectedInStates(ctx, statuses),
    removeMovesAccount: (memberId) => removeMovesAccount(ctx, memberId),
    disconnectMoves: (memberId) => disconnectMoves(ctx, memberId),
    deleteAccount: (memberId) => deleteAccount(ctx, memberId),
    forgetMember: (memberId) => forgetMember(ctx, memberId),
    deauthorize: (ohMemberId, leftAt) => deauthorize(ctx, ohMemberId, leftAt),
    markRemovalStarted: (memberId, on) => markRemovalStarted(ctx, memberId, on),
    removalUnderWay: (memberId) => removalUnderWay(ctx, memberId),
    removeMember: (memberId) => removeMember(ctx, memberId),
  };
}
