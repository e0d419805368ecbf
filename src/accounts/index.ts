// Public surface of accounts: members, Moves accounts, tokens (encrypted at rest, refreshed with compare-and-swap).
export { AccountNotFoundError } from './errors.ts';
export { hasMapTilesConsent, setMapTilesConsent } from './map-consent.ts';
export { findMemberByOhId, upsertMemberFromLogin, type UpsertMemberOptions } from './members.ts';
export {
  connectMovesAccount,
  getMovesAccount,
  updateMovesProfile,
  type ConnectResult,
  type MovesAccountInfo,
} from './moves-accounts.ts';
export { endSessions, sessionIsCurrent } from './sessions.ts';
export {
  getMovesAccessToken,
  getOhAccessToken,
  REFRESH_MARGIN_MS,
  withMovesAccess,
  withOhAccess,
  type TokenOptions,
} from './tokens.ts';
