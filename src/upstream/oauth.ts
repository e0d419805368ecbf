// OAuth2 token-endpoint failures, shared by both clients.
import { AuthRefusedError, UpstreamError } from './errors.ts';
import { safeDetail, type UpstreamHttp, type UpstreamResponse } from './http.ts';

/**
 * Token endpoint failures: invalid_grant (bad, used or revoked code/refresh token) means the member must
 * authorize again; invalid_client is our configuration; the rest follow the usual status rules.
 */
export function tokenError(http: UpstreamHttp, res: UpstreamResponse, what: string): UpstreamError {
  const status = res.response.status;
  const code = oauthErrorCode(res.text);
  if (code === 'invalid_grant') {
    return new AuthRefusedError(
      http.opts.service,
      status,
      `${http.name} refused the grant (${what}): invalid_grant`,
    );
  }
  if (code === 'invalid_client') {
    return new UpstreamError(
      http.opts.service,
      status,
      false,
      `${http.name} does not accept our client id and secret (${what}): check the configured credentials`,
    );
  }
  if (status === 401) {
    // A 401 without a recognised body from the token endpoint: treat like a refused grant (oauthlib 2.x did this).
    return new AuthRefusedError(http.opts.service, status, `${http.name} refused the grant (${what})`);
  }
  return http.statusError(res, what);
}

function oauthErrorCode(text: string): string | undefined {
  const detail = safeDetail(text);
  if (!detail) return undefined;
  try {
    const v = JSON.parse(text) as { error?: unknown };
    return typeof v.error === 'string' ? v.error : undefined;
  } catch {
    return undefined;
  }
}
