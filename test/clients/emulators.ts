// Shared set-up for client tests: both emulators on random ports, a registered app on each, and a test
// context whose clients point at them.
import { movesControlClient } from '../../emulators/moves/client.ts';
import { startMovesEmulator, type RunningMovesEmulator } from '../../emulators/moves/index.ts';
import { openHumansControlClient, type OpenHumansAuthorization } from '../../emulators/openhumans/client.ts';
import { startOpenHumansEmulator, type RunningOpenHumansEmulator } from '../../emulators/openhumans/index.ts';

export const OH_CLIENT = { client_id: 'oh-test-client', client_secret: 'oh-test-secret-0123456789' };
export const MOVES_CLIENT = { client_id: 'moves-test-client', client_secret: 'moves-test-secret-0123456789' };
export const APP_BASE_URL = 'http://127.0.0.1:5999';

export async function startOh(): Promise<RunningOpenHumansEmulator> {
  const oh = await startOpenHumansEmulator({ port: 0 });
  oh.createProject({ ...OH_CLIENT, redirect_uri: `${APP_BASE_URL}/complete` });
  return oh;
}

/** Env for createTestContext: credentials set (so not the sandbox), base URLs at the emulators. */
export function clientEnv(p: { ohUrl?: string; movesUrl?: string }): Record<string, string> {
  return {
    APP_BASE_URL,
    OH_CLIENT_ID: OH_CLIENT.client_id,
    OH_CLIENT_SECRET: OH_CLIENT.client_secret,
    MOVES_CLIENT_ID: MOVES_CLIENT.client_id,
    MOVES_CLIENT_SECRET: MOVES_CLIENT.client_secret,
    MOVES_REDIRECT_URI: `${APP_BASE_URL}/moves_complete`,
    ...(p.ohUrl ? { OH_BASE_URL: p.ohUrl } : {}),
    ...(p.movesUrl ? { MOVES_API_BASE: p.movesUrl } : {}),
  };
}

/** Approves the member on the OH emulator (what the consent page does) and returns the code. */
export async function ohCode(
  ohUrl: string,
  memberId: string,
  extra: Omit<OpenHumansAuthorization, 'client_id'> = {},
): Promise<string> {
  const r = await openHumansControlClient(ohUrl).authorize(memberId, {
    client_id: OH_CLIENT.client_id,
    ...extra,
  });
  return r.code;
}

export async function startMoves(
  opts: Parameters<typeof startMovesEmulator>[0] = {},
): Promise<RunningMovesEmulator> {
  const moves = await startMovesEmulator({ port: 0, ...opts });
  moves.registerClient({ ...MOVES_CLIENT, redirect_uris: [`${APP_BASE_URL}/moves_complete`] });
  return moves;
}

/** Approves the Moves user (what the phone app does) and returns the code. */
export async function movesCode(movesUrl: string, userId: string): Promise<string> {
  const r = await movesControlClient(movesUrl).authorize(userId, {
    client_id: MOVES_CLIENT.client_id,
    scope: 'activity location',
    redirect_uri: `${APP_BASE_URL}/moves_complete`,
  });
  return r.code;
}
