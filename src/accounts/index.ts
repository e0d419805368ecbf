// Public surface of accounts: the service on the context (members, Moves accounts, tokens, removals).
export { AccountNotFoundError } from './errors.ts';
export { createAccountService, type AccountService } from './service.ts';
export type { ConnectResult, MovesAccountInfo } from './moves-accounts.ts';
export type { Member, MemberOverview } from './member-views.ts';
export { RemovalError, type RemovalReport } from './removal.ts';
export { getMovesAccessToken, getOhAccessToken, REFRESH_MARGIN_MS, type TokenOptions } from './tokens.ts';
export { sessionIsCurrent } from './sessions.ts';
export { hasMapTilesConsent } from './map-consent.ts';
