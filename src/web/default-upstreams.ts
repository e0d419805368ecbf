// The upstream clients the app uses by default: the ones the context carries (src/openhumans, src/moves)
// and the accounts module. Until they exist, every call explains that the clients are missing.
import type { AppContext } from '../context.ts';
import type { WebUpstreams } from './upstreams.ts';

export function defaultUpstreams(_ctx: AppContext): WebUpstreams {
  const missing = () => {
    throw new Error('the Open Humans and Moves clients are not available in this build');
  };
  return {
    openHumans: {
      authorizeUrl: missing,
      exchangeCode: missing,
      exchangeMember: missing,
      deleteFile: missing,
      removeMember: missing,
    },
    moves: { authorizeUrl: missing, exchangeCode: missing },
    upsertMemberFromLogin: missing,
    connectMovesAccount: missing,
    getOhAccessToken: missing,
  };
}
