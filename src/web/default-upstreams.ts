// The upstream clients the app uses by default: the ones on the context (src/openhumans, src/moves) and the
// accounts module. Tests and the sandbox use these too, pointed at the emulators through the config.
import { connectMovesAccount, getOhAccessToken, upsertMemberFromLogin } from '../accounts/index.ts';
import type { AppContext } from '../context.ts';
import type { WebUpstreams } from './upstreams.ts';

export function defaultUpstreams(ctx: AppContext): WebUpstreams {
  return {
    openHumans: ctx.openHumans,
    moves: ctx.moves,
    upsertMemberFromLogin: (c, p) => upsertMemberFromLogin(c, p),
    connectMovesAccount: (c, memberId, tokens) => connectMovesAccount(c, memberId, tokens),
    getOhAccessToken: (c, memberId) => getOhAccessToken(c, memberId),
  };
}
