// OAuth 2.0 endpoints (§2): the PIN page standing in for the phone app, the token endpoint, tokeninfo.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.ts';
import { authorizePage, cspHeader, errorPage, PAGE_CSS } from './html-pages.ts';
import { JSON_TYPE } from './http-response.ts';
import {
  checkAccessToken,
  eightDigitPin,
  issueCode,
  issueTokens,
  newGrant,
  secondsLeft,
  tokenFromRequest,
  tokenResponseBody,
} from './oauth-tokens.ts';
import { appendQuery, matchRedirectUri, parseScope } from './store.ts';
import { demoUser } from './users.ts';

type Params = Record<string, string | undefined>;

/** First string value of each key; arrays (repeated keys) keep their first element. */
export function flatten(input: unknown): Params {
  const out: Params = {};
  if (!input || typeof input !== 'object' || Array.isArray(input)) return out;
  for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

function sendHtml(reply: FastifyReply, status: number, html: string, formOrigin?: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', cspHeader(formOrigin))
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store')
    .send(html);
}

export type AuthorizationCheck =
  | { ok: true; clientId: string; scope: string[]; target: string; given?: string }
  | { ok: false; htmlError: string }
  | { ok: false; redirectError: string; target: string };

/** Validates client, redirect URI and scope; never trusts a redirect URI before it matched a registered one. */
export function checkAuthorization(ctx: EmulatorContext, p: Params): AuthorizationCheck {
  const client = p.client_id ? ctx.store.clients.get(p.client_id) : undefined;
  if (!client) return { ok: false, htmlError: 'Unknown or missing client_id.' };
  let target: string;
  if (p.redirect_uri !== undefined) {
    if (!matchRedirectUri(client.redirect_uris, p.redirect_uri)) {
      return {
        ok: false,
        htmlError: 'The redirect_uri does not match any redirect URI registered for this app.',
      };
    }
    target = p.redirect_uri;
  } else {
    target = client.redirect_uris[0]!;
  }
  if (p.response_type !== undefined && p.response_type !== 'code') {
    return { ok: false, redirectError: 'unsupported_response_type', target };
  }
  const scope = parseScope(p.scope);
  if (!scope) return { ok: false, redirectError: 'invalid_scope', target };
  return {
    ok: true,
    clientId: client.client_id,
    scope,
    target,
    ...(p.redirect_uri !== undefined ? { given: p.redirect_uri } : {}),
  };
}

function oauthError(
  ctx: EmulatorContext,
  reply: FastifyReply,
  error: string,
  description: string,
): FastifyReply {
  return reply
    .code(ctx.config.behaviour.oauthErrorStatus)
    .header('content-type', JSON_TYPE)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send(JSON.stringify({ error, error_description: description }));
}

function basicAuth(request: FastifyRequest): { id?: string; secret?: string } {
  const h = request.headers.authorization;
  const m = typeof h === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h) : null;
  if (!m) return {};
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return {};
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

export function registerOauthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/oauth/v1/authorize.css', async (_request, reply) =>
    reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'max-age=3600')
      .send(PAGE_CSS),
  );

  app.get('/oauth/v1/authorize', async (request, reply) => {
    const p = flatten(request.query);
    const check = checkAuthorization(ctx, p);
    if (!check.ok && 'htmlError' in check)
      return sendHtml(reply, 400, errorPage('Authorization failed', check.htmlError));
    if (!check.ok)
      return reply.redirect(appendQuery(check.target, { error: check.redirectError, state: p.state }), 302);
    const requestId = randomBytes(16).toString('hex');
    const now = ctx.clock.now();
    for (const [k, v] of ctx.pending) if (v.expiresAt < now) ctx.pending.delete(k);
    if (ctx.pending.size > 10_000) ctx.pending.delete(ctx.pending.keys().next().value!);
    const pin = eightDigitPin();
    ctx.pending.set(requestId, {
      clientId: check.clientId,
      scope: check.scope,
      target: check.target,
      ...(check.given !== undefined ? { given: check.given } : {}),
      ...(p.state !== undefined ? { state: p.state } : {}),
      pin,
      expiresAt: now + ctx.clock.scaled(ctx.config.behaviour.codeLifetimeSeconds * 1000),
    });
    const users = [...ctx.store.users.values()].slice(0, 200);
    const appName = ctx.store.clients.get(check.clientId)?.name ?? check.clientId;
    const html = authorizePage({ pin, requestId, appName, scope: check.scope, users });
    return sendHtml(reply, 200, html, new URL(check.target).origin);
  });

  // The phone-app decision, posted by the page's form.
  app.post('/oauth/v1/authorize', async (request, reply) => {
    const p = flatten(request.body);
    const pending = p.request_id ? ctx.pending.get(p.request_id) : undefined;
    if (!pending || pending.expiresAt < ctx.clock.now()) {
      return sendHtml(
        reply,
        400,
        errorPage(
          'Authorization failed',
          'This authorization request is unknown or has expired. Start again from the app.',
        ),
      );
    }
    if (p.decision === 'deny') {
      ctx.pending.delete(p.request_id!);
      return reply.redirect(
        appendQuery(pending.target, { error: 'access_denied', state: pending.state }),
        302,
      );
    }
    if (p.decision !== 'approve')
      return sendHtml(reply, 400, errorPage('Authorization failed', 'Choose Approve or Deny.'));
    let userId = p.user;
    if (userId === 'new' || userId === undefined) userId = ctx.store.createUser(demoUser(ctx)).userId;
    if (!ctx.store.users.has(userId))
      return sendHtml(reply, 400, errorPage('Authorization failed', 'Unknown Moves user.'));
    ctx.pending.delete(p.request_id!);
    const code = issueCode(ctx, newGrant(ctx, pending.clientId, userId, pending.scope), pending.given);
    return reply.redirect(appendQuery(pending.target, { code, state: pending.state }), 302);
  });

  registerTokenExchange(app, ctx);
  registerTokenInfo(app, ctx);
}

/** The app's side: code and refresh-token exchange (with rotation). */
function registerTokenExchange(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/oauth/v1/access_token', async (request, reply) => {
    // Real clients sent the parameters in the query string, a form body or JSON, sometimes with Basic auth.
    const basic = basicAuth(request);
    const p: Params = { ...flatten(request.body), ...stripUndefined(flatten(request.query)) };
    const clientId = p.client_id ?? basic.id;
    const clientSecret = p.client_secret ?? basic.secret;
    if (!p.grant_type) return oauthError(ctx, reply, 'invalid_request', 'Missing grant_type');
    if (p.grant_type !== 'authorization_code' && p.grant_type !== 'refresh_token') {
      return oauthError(ctx, reply, 'unsupported_grant_type', `Unsupported grant_type ${p.grant_type}`);
    }
    if (!clientId || !clientSecret)
      return oauthError(ctx, reply, 'invalid_request', 'Missing client_id or client_secret');
    const client = ctx.store.clients.get(clientId);
    if (!client || client.client_secret !== clientSecret)
      return oauthError(ctx, reply, 'invalid_client', 'Client authentication failed');
    const now = ctx.clock.now();
    let grant;
    if (p.grant_type === 'authorization_code') {
      if (!p.code) return oauthError(ctx, reply, 'invalid_request', 'Missing code');
      const code = ctx.store.codes.get(p.code);
      if (
        !code ||
        code.used ||
        code.expiresAt <= now ||
        code.grant.clientId !== clientId ||
        code.grant.revoked
      ) {
        return oauthError(ctx, reply, 'invalid_grant', 'Authorization code is invalid or expired');
      }
      if (p.redirect_uri !== undefined) {
        const ok =
          code.redirectUri !== undefined
            ? code.redirectUri === p.redirect_uri
            : matchRedirectUri(client.redirect_uris, p.redirect_uri);
        if (!ok)
          return oauthError(
            ctx,
            reply,
            'invalid_grant',
            'redirect_uri does not match the authorization request',
          );
      }
      code.used = true;
      grant = code.grant;
    } else {
      if (!p.refresh_token) return oauthError(ctx, reply, 'invalid_request', 'Missing refresh_token');
      const rt = ctx.store.refreshTokens.get(p.refresh_token);
      if (!rt || rt.used || rt.grant.clientId !== clientId || rt.grant.revoked) {
        return oauthError(ctx, reply, 'invalid_grant', 'Refresh token is invalid, revoked or already used');
      }
      // Rotation: the old refresh token dies now [I]; the old access token lives on unless configured.
      rt.used = true;
      ctx.store.refreshTokens.delete(p.refresh_token);
      if (ctx.config.behaviour.revokeAccessTokenOnRefresh) {
        const old = ctx.store.accessTokens.get(rt.accessToken);
        if (old) old.replaced = true;
      }
      grant = rt.grant;
    }
    const tokens = issueTokens(ctx, grant);
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .header('content-type', JSON_TYPE)
      .header('vary', 'Accept-Encoding')
      .send(tokenResponseBody(tokens));
  });
}

/** Token info: what the app learns about an access token. */
function registerTokenInfo(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/oauth/v1/tokeninfo', async (request, reply) => {
    const check = checkAccessToken(
      ctx,
      tokenFromRequest(request.headers, request.query as Record<string, unknown>),
    );
    if (!check.ok) {
      return reply
        .code(ctx.config.behaviour.oauthErrorStatus)
        .header('content-type', JSON_TYPE)
        .send('{"error":"invalid_token"}');
    }
    const t = check.token;
    const body = `{"client_id":${JSON.stringify(t.grant.clientId)},"user_id":${t.grant.userId},"scope":${JSON.stringify(t.grant.scope.join(' '))},"expires_in":${secondsLeft(t.expiresAt, ctx.clock.now())}}`;
    return reply.code(200).header('content-type', JSON_TYPE).header('cache-control', 'no-store').send(body);
  });
}

function stripUndefined(p: Params): Params {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== ''));
}
