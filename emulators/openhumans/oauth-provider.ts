// The OAuth2 provider: OH's authorize page (sign-in, consent, redirect), django-oauth-toolkit's token and
// revoke endpoints with oauthlib's error bodies, and the login page of the emulated site.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.ts';
import { djangoView, sendHtml, sendJsonText } from './drf.ts';
import {
  consentPage,
  errorPage,
  logoutPage,
  PAGE_CSS,
  signInPage,
  STRICT_CSP,
  STYLESHEET_PATH,
} from './html-pages.ts';
import { pythonJsonDumps } from './python-json.ts';
import { addParamsToUri } from './python-urlencode.ts';
import { readRequestData, type RequestData } from './request-body.ts';
import { csrfToken, csrfValid, ensureSession, signedInMember, signIn, signOut } from './sessions.ts';
import type { Member, Project } from './state.ts';
import { DEFAULT_SCOPE, type IssuedPair } from './token-store.ts';

export const AUTHORIZE_PATH = '/direct-sharing/projects/oauth2/authorize/';

/** What approving an authorization request produces: a code and the redirect back to the project. */
export function approveAuthorization(
  ctx: EmulatorContext,
  project: Project,
  member: Member,
  p: {
    redirectUri?: string | undefined;
    state?: string | undefined;
    codeChallenge?: string | undefined;
    codeChallengeMethod?: string | undefined;
    origin?: string | undefined;
  },
): { code: string; redirect: string } {
  ctx.state.authorizeMembership(project.id, member.projectMemberId);
  const redirectUri = p.redirectUri ?? project.redirectUri;
  const code = ctx.state.tokens.issueCode({
    projectId: project.id,
    memberId: member.projectMemberId,
    redirectUri,
    scope: DEFAULT_SCOPE,
    codeChallenge: p.codeChallenge || undefined,
    codeChallengeMethod: p.codeChallenge ? p.codeChallengeMethod || 'plain' : undefined,
  });
  const params: [string, string][] = [['code', code.code]];
  if (p.state !== undefined) params.push(['state', p.state]);
  // OH appends origin after whatever DOT produced; only "open-humans" survives, anything else is "external".
  const origin = p.origin === 'open-humans' ? 'open-humans' : 'external';
  return { code: code.code, redirect: `${addParamsToUri(redirectUri, params)}&origin=${origin}` };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

type AuthorizeParams = {
  clientId?: string | undefined;
  redirectUri?: string | undefined;
  responseType?: string | undefined;
  state?: string | undefined;
  scope?: string | undefined;
  codeChallenge?: string | undefined;
  codeChallengeMethod?: string | undefined;
  approvalPrompt?: string | undefined;
  origin?: string | undefined;
};

function authorizeParams(d: Record<string, unknown>): AuthorizeParams {
  return {
    clientId: str(d.client_id),
    redirectUri: str(d.redirect_uri),
    responseType: str(d.response_type),
    state: str(d.state),
    scope: str(d.scope),
    codeChallenge: str(d.code_challenge),
    codeChallengeMethod: str(d.code_challenge_method),
    approvalPrompt: str(d.approval_prompt),
    origin: str(d.origin),
  };
}

type Checked = { project: Project; redirectUri: string } | { reply: FastifyReply };

/** Checks that must pass before anything may be redirected back to the client (else an error page). */
function checkClient(ctx: EmulatorContext, reply: FastifyReply, p: AuthorizeParams): Checked {
  reply.header('Content-Security-Policy', STRICT_CSP);
  if (!p.clientId) return { reply: sendHtml(reply, 400, errorPage('Error', 'Missing client_id parameter.')) };
  const project = ctx.state.projectByClientId(p.clientId);
  if (!project)
    return {
      reply: sendHtml(
        reply,
        404,
        errorPage('Not Found', 'The requested resource was not found on this server.'),
      ),
    };
  if (p.redirectUri !== undefined && p.redirectUri !== project.redirectUri) {
    return { reply: sendHtml(reply, 400, errorPage('Error: invalid_request', 'Mismatching redirect URI.')) };
  }
  return { project, redirectUri: project.redirectUri };
}

/** Errors oauthlib reports by redirecting to the (validated) redirect URI. */
function redirectableError(p: AuthorizeParams): string | undefined {
  if (!p.responseType) return 'invalid_request';
  if (p.responseType !== 'code') return 'unsupported_response_type';
  if (p.codeChallenge && p.codeChallengeMethod && !['S256', 'plain'].includes(p.codeChallengeMethod)) {
    return 'invalid_request';
  }
  return undefined;
}

function errorRedirect(reply: FastifyReply, redirectUri: string, error: string, state: string | undefined) {
  const params: [string, string][] = [['error', error]];
  if (state !== undefined) params.push(['state', state]);
  return reply.redirect(addParamsToUri(redirectUri, params), 302);
}

function consentFields(p: AuthorizeParams, redirectUri: string): Record<string, string> {
  const f: Record<string, string> = {
    client_id: p.clientId ?? '',
    redirect_uri: redirectUri,
    response_type: p.responseType ?? '',
  };
  if (p.state !== undefined) f.state = p.state;
  if (p.scope !== undefined) f.scope = p.scope;
  if (p.codeChallenge) f.code_challenge = p.codeChallenge;
  if (p.codeChallengeMethod) f.code_challenge_method = p.codeChallengeMethod;
  if (p.origin !== undefined) f.origin = p.origin;
  return f;
}

function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

async function authorizeGet(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const p = authorizeParams(request.query as Record<string, unknown>);
  const checked = checkClient(ctx, reply, p);
  if ('reply' in checked) return checked.reply;
  const member = signedInMember(ctx, request);
  if (!member) return reply.redirect(`/account/login/?next=${encodeURIComponent(request.url)}`, 302);
  const error = redirectableError(p);
  if (error) return errorRedirect(reply, checked.redirectUri, error, p.state);
  // approval_prompt=auto (OH's default): a member who already holds an unexpired token skips the consent page.
  const auto = (p.approvalPrompt ?? 'auto') !== 'force';
  if (
    auto &&
    ctx.state.activeMembership(checked.project.id, member.projectMemberId) &&
    ctx.state.tokens.hasUnexpiredAccess(checked.project.id, member.projectMemberId)
  ) {
    const { redirect } = approveAuthorization(ctx, checked.project, member, p);
    return reply.redirect(redirect, 302);
  }
  const session = ensureSession(ctx, request, reply);
  return sendHtml(
    reply,
    200,
    consentPage({
      projectName: checked.project.name,
      username: member.username,
      csrf: csrfToken(ctx, session),
      fields: consentFields(p, checked.redirectUri),
    }),
  );
}

async function authorizePost(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  reply.header('Content-Security-Policy', STRICT_CSP);
  const body = await readRequestData(request);
  if (!body.ok) return sendHtml(reply, body.status, errorPage('Bad request', body.body.detail));
  if (!csrfValid(ctx, request, body.data.csrfmiddlewaretoken)) {
    return sendHtml(reply, 403, errorPage('Forbidden (403)', 'CSRF verification failed. Request aborted.'));
  }
  const p = authorizeParams(body.data);
  const checked = checkClient(ctx, reply, p);
  if ('reply' in checked) return checked.reply;
  const member = signedInMember(ctx, request);
  if (!member) return reply.redirect('/account/login/', 302);
  const error = redirectableError(p);
  if (error) return errorRedirect(reply, checked.redirectUri, error, p.state);
  if (body.data.allow === undefined)
    return errorRedirect(reply, checked.redirectUri, 'access_denied', p.state);
  const { redirect } = approveAuthorization(ctx, checked.project, member, p);
  return reply.redirect(redirect, 302);
}

async function loginGet(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply, error?: string) {
  reply.header('Content-Security-Policy', STRICT_CSP);
  const session = ensureSession(ctx, request, reply);
  const next = safeNext((request.query as Record<string, unknown>).next);
  const members = [...ctx.state.members.values()].map((m) => ({
    projectMemberId: m.projectMemberId,
    username: m.username,
  }));
  return sendHtml(
    reply,
    error ? 400 : 200,
    signInPage({ next, members, csrf: csrfToken(ctx, session), ...(error ? { error } : {}) }),
  );
}

async function loginPost(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  reply.header('Content-Security-Policy', STRICT_CSP);
  const body = await readRequestData(request);
  if (!body.ok) return sendHtml(reply, body.status, errorPage('Bad request', body.body.detail));
  if (!csrfValid(ctx, request, body.data.csrfmiddlewaretoken)) {
    return sendHtml(reply, 403, errorPage('Forbidden (403)', 'CSRF verification failed. Request aborted.'));
  }
  const session = ensureSession(ctx, request, reply);
  let member: Member | undefined;
  const chosen = str(body.data.member);
  const username = str(body.data.username)?.trim();
  if (chosen) member = ctx.state.members.get(chosen);
  else if (username) {
    if (!/^[A-Za-z0-9_.-]{1,30}$/.test(username)) {
      return loginGet(ctx, request, reply, 'Usernames use letters, digits, "_", "." and "-" (at most 30).');
    }
    member = ctx.state.memberByUsername(username) ?? ctx.state.createMember(username);
  }
  if (!member) return loginGet(ctx, request, reply, 'Pick a member or enter a username.');
  signIn(ctx, session, member);
  return reply.redirect(safeNext(body.data.next), 302);
}

async function logoutGet(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  reply.header('Content-Security-Policy', STRICT_CSP);
  const session = ensureSession(ctx, request, reply);
  const member = signedInMember(ctx, request);
  return sendHtml(reply, 200, logoutPage({ username: member?.username, csrf: csrfToken(ctx, session) }));
}

async function logoutPost(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  reply.header('Content-Security-Policy', STRICT_CSP);
  const body = await readRequestData(request);
  if (!body.ok) return sendHtml(reply, body.status, errorPage('Bad request', body.body.detail));
  if (!csrfValid(ctx, request, body.data.csrfmiddlewaretoken)) {
    return sendHtml(reply, 403, errorPage('Forbidden (403)', 'CSRF verification failed. Request aborted.'));
  }
  signOut(ctx, ensureSession(ctx, request, reply));
  return sendHtml(reply, 200, logoutPage({ username: undefined, csrf: '' }));
}

// ---- token endpoint ------------------------------------------------------------------------------------

function oauthError(reply: FastifyReply, status: number, error: string, description?: string) {
  const body: Record<string, string> = { error };
  if (description) body.error_description = description;
  if (status === 401) reply.header('WWW-Authenticate', `Bearer error="${error}"`);
  reply.code(status).header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
  return sendJsonText(reply, pythonJsonDumps(body));
}

function unquotePlus(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** DOT's authenticate_client: HTTP Basic first, then client_id/client_secret in the body. */
function authenticateClient(
  ctx: EmulatorContext,
  request: FastifyRequest,
  data: RequestData,
): Project | undefined {
  const header = request.headers.authorization;
  let id: string | undefined;
  let secret: string | undefined;
  if (typeof header === 'string' && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    id = unquotePlus(decoded.slice(0, i));
    secret = unquotePlus(decoded.slice(i + 1));
  } else {
    id = str(data.client_id);
    secret = str(data.client_secret);
  }
  if (!id || secret === undefined) return undefined;
  const project = ctx.state.projectByClientId(id);
  return project && project.clientSecret === secret ? project : undefined;
}

function tokenResponse(ctx: EmulatorContext, reply: FastifyReply, pair: IssuedPair) {
  reply.code(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
  return sendJsonText(
    reply,
    // The key order of the recorded reply (oh-moves-source's import_users cassette, 2018).
    pythonJsonDumps({
      access_token: pair.access.token,
      expires_in: ctx.state.tokens.expiresIn(pair.access),
      token_type: 'Bearer',
      refresh_token: pair.refresh.token,
      scope: pair.access.scope,
    }),
  );
}

function pkceMatches(challenge: string, method: string | undefined, verifier: string): boolean {
  if (method === 'S256') return createHash('sha256').update(verifier).digest('base64url') === challenge;
  return verifier === challenge;
}

async function tokenPost(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const body = await readRequestData(request);
  // oauthlib reads form fields only; a JSON body simply carries no parameters.
  const data: RequestData = body.ok && !body.json ? body.data : {};
  const grantType = str(data.grant_type);
  if (grantType === 'authorization_code') {
    const code = str(data.code);
    if (!code) return oauthError(reply, 400, 'invalid_request', 'Missing code parameter.');
    const project = authenticateClient(ctx, request, data);
    if (!project) return oauthError(reply, 401, 'invalid_client');
    const grant = ctx.state.tokens.findCode(code, project.id);
    if (!grant) return oauthError(reply, 400, 'invalid_grant');
    if (grant.codeChallenge) {
      const verifier = str(data.code_verifier);
      if (!verifier) return oauthError(reply, 400, 'invalid_request', 'Code verifier required.');
      if (!pkceMatches(grant.codeChallenge, grant.codeChallengeMethod, verifier))
        return oauthError(reply, 400, 'invalid_grant');
    }
    const redirectUri = str(data.redirect_uri) ?? project.redirectUri;
    if (redirectUri !== grant.redirectUri)
      return oauthError(reply, 400, 'invalid_request', 'Mismatching redirect URI.');
    if (!ctx.state.activeMembership(project.id, grant.memberId))
      return oauthError(reply, 400, 'invalid_grant');
    ctx.state.tokens.consumeCode(code);
    return tokenResponse(ctx, reply, ctx.state.tokens.issuePair(project.id, grant.memberId, grant.scope));
  }
  if (grantType === 'refresh_token') {
    const refreshToken = str(data.refresh_token);
    if (!refreshToken) return oauthError(reply, 400, 'invalid_request', 'Missing refresh token parameter.');
    const project = authenticateClient(ctx, request, data);
    if (!project) return oauthError(reply, 401, 'invalid_client');
    const old = ctx.state.tokens.findRefresh(refreshToken, project.id);
    if (!old) return oauthError(reply, 400, 'invalid_grant');
    return tokenResponse(ctx, reply, ctx.state.tokens.rotate(old));
  }
  return oauthError(reply, 400, 'unsupported_grant_type');
}

async function revokePost(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply) {
  const body = await readRequestData(request);
  const data: RequestData = body.ok && !body.json ? body.data : {};
  const project = authenticateClient(ctx, request, data);
  if (!project) return oauthError(reply, 401, 'invalid_client');
  const token = str(data.token);
  if (!token) return oauthError(reply, 400, 'invalid_request', 'Missing token parameter.');
  const hint = str(data.token_type_hint);
  if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
    return oauthError(reply, 400, 'unsupported_token_type');
  }
  const access = ctx.state.tokens.findAccess(token);
  if (access && access.projectId === project.id) ctx.state.tokens.revokeAccess(token);
  if (ctx.state.tokens.findRefresh(token, project.id)) ctx.state.tokens.revokeRefresh(token);
  return reply.code(200).header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send('');
}

export function oauthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  djangoView(app, ctx.knownPaths, AUTHORIZE_PATH, {
    GET: (req, rep) => authorizeGet(ctx, req, rep),
    POST: (req, rep) => authorizePost(ctx, req, rep),
  });
  djangoView(app, ctx.knownPaths, '/account/login/', {
    GET: (req, rep) => loginGet(ctx, req, rep),
    POST: (req, rep) => loginPost(ctx, req, rep),
  });
  djangoView(app, ctx.knownPaths, '/account/logout/', {
    GET: (req, rep) => logoutGet(ctx, req, rep),
    POST: (req, rep) => logoutPost(ctx, req, rep),
  });
  app.get(STYLESHEET_PATH, async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'max-age=3600')
      .send(PAGE_CSS),
  );
  djangoView(app, ctx.knownPaths, '/oauth2/token/', { POST: (req, rep) => tokenPost(ctx, req, rep) });
  djangoView(app, ctx.knownPaths, '/oauth2/revoke_token/', { POST: (req, rep) => revokePost(ctx, req, rep) });
}
