// Retry-once-on-401, the one copy: an access token can be revoked before it expires, so a 401 earns one
// renewal of the token and one more try; a second refusal (or a refused renewal) is final (AuthRefusedError).
import { AuthRefusedError } from './errors.ts';

/** True for the refusal that a fresh access token may cure: a 401 (a 403 or a refused refresh is final). */
export function isExpiredAccess(err: unknown): err is AuthRefusedError {
  return err instanceof AuthRefusedError && err.status === 401;
}

/**
 * Runs `attempt`; after a 401 calls `renew` (which gets a token past the refused one, or rethrows the 401 when
 * no renewal is allowed) and runs `attempt` once more. Anything else, and the second try's error, propagate.
 */
export async function retryAfter401<T>(
  attempt: () => Promise<T>,
  renew: (refused: AuthRefusedError) => Promise<void>,
): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!isExpiredAccess(err)) throw err;
    await renew(err);
    return attempt();
  }
}
