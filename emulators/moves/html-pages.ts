import type { FastifyReply } from 'fastify';
// The authorization page and HTML error pages: plain forms, no script, no external assets, so a strict CSP
// (default-src 'none') holds. Styling comes from /oauth/v1/authorize.css on the same origin.
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export const PAGE_CSS = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}.pin{font-size:2.2rem;letter-spacing:.3rem;font-family:monospace;background:#f2f2f2;padding:.5rem 1rem;display:inline-block}
form{margin-top:1.5rem}label{display:block;margin:.8rem 0 .3rem}select{font-size:1rem;padding:.3rem}
button{font-size:1rem;padding:.6rem 1.2rem;margin:1rem .6rem 0 0;cursor:pointer}.approve{background:#00753a;border:0;color:#fff}
.deny{background:#eee;border:1px solid #999}.error{color:#a00}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/oauth/v1/authorize.css"></head><body>${body}</body></html>`;
}

export function cspHeader(formTargetOrigin?: string): string {
  const formAction = formTargetOrigin ? `'self' ${formTargetOrigin}` : `'self'`;
  return `default-src 'none'; style-src 'self'; form-action ${formAction}; base-uri 'none'; frame-ancestors 'none'`;
}

export interface AuthorizePageInput {
  pin: string;
  requestId: string;
  /** The registered app's name (its client id when it has none). */
  appName: string;
  scope: string[];
  users: Array<{ userId: string; firstDate: string; timeZone: string }>;
}

export function authorizePage(i: AuthorizePageInput): string {
  const options = [
    ...i.users.map(
      (u) =>
        `<option value="${escapeHtml(u.userId)}">User ${escapeHtml(u.userId)} (since ${escapeHtml(u.firstDate)}, ${escapeHtml(u.timeZone)})</option>`,
    ),
    `<option value="new"${i.users.length === 0 ? ' selected' : ''}>a new demo user</option>`,
  ].join('');
  return page(
    'Connect to Moves',
    `<h1>Connect to Moves</h1>
<p>The application <strong>${escapeHtml(i.appName)}</strong> asks for access to your Moves <strong>${escapeHtml(i.scope.join(' and '))}</strong> data.</p>
<p>Open Moves on your phone and enter this PIN:</p>
<p class="pin" id="pin">${escapeHtml(i.pin)}</p>
<form method="post" action="/oauth/v1/authorize">
<input type="hidden" name="request_id" value="${escapeHtml(i.requestId)}">
<label for="user">Emulated Moves user who approves</label>
<select id="user" name="user">${options}</select>
<div><button class="approve" type="submit" name="decision" value="approve">Approve in the Moves app</button><button class="deny" type="submit" name="decision" value="deny">Deny</button></div>
</form>
<p><small>Moves API emulator: the buttons stand in for the Moves phone app.</small></p>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`);
}

export const NGINX_404 =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body bgcolor="white">\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

export function sendNotFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header('content-type', 'text/html').send(NGINX_404);
}
