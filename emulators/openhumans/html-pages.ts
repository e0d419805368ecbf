// The HTML the browser sees: sign-in, consent and error pages. No script, no external assets and no inline
// styles, so they work under a strict Content-Security-Policy; the one stylesheet comes from the same origin.
const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

export const STRICT_CSP =
  "default-src 'none'; style-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'";

export const STYLESHEET_PATH = '/static/emulator.css';

/** Fits a phone (390 px) as well as a desktop: fluid width, wrapping text, full-width fields and buttons. */
export const PAGE_CSS = `*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;line-height:1.5;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222;overflow-wrap:anywhere}
h1{font-size:1.4rem}fieldset{border:1px solid #bbb;border-radius:.3rem;margin:1rem 0;padding:.8rem;min-width:0}
label{display:block;margin:.4rem 0}input[type=text]{display:block;width:100%;max-width:100%;font-size:1rem;padding:.4rem;margin-top:.2rem}
button{font-size:1rem;padding:.6rem 1.2rem;margin:.8rem .6rem 0 0;cursor:pointer;max-width:100%}
[role=alert]{color:#a00;font-weight:bold}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
<title>${esc(title)} · Open Humans (emulator)</title>
</head>
<body>
<h1>${esc(title)}</h1>
${body}
<p><small>Open Humans emulator — sandbox accounts only.</small></p>
</body>
</html>
`;
}

export function signInPage(p: {
  next: string;
  members: { projectMemberId: string; username: string }[];
  csrf: string;
  error?: string;
}): string {
  const existing =
    p.members.length === 0
      ? '<p>No sandbox members yet.</p>'
      : `<form method="post" action="/account/login/">
<input type="hidden" name="csrfmiddlewaretoken" value="${esc(p.csrf)}">
<input type="hidden" name="next" value="${esc(p.next)}">
<fieldset><legend>Sign in as an existing member</legend>
${p.members
  .map(
    (m, i) =>
      `<label><input type="radio" name="member" value="${esc(m.projectMemberId)}"${i === 0 ? ' checked' : ''}> ${esc(m.username)}</label><br>`,
  )
  .join('\n')}
<button type="submit">Sign in</button>
</fieldset>
</form>`;
  return page(
    'Log in',
    `${p.error ? `<p role="alert">${esc(p.error)}</p>` : ''}
${existing}
<form method="post" action="/account/login/">
<input type="hidden" name="csrfmiddlewaretoken" value="${esc(p.csrf)}">
<input type="hidden" name="next" value="${esc(p.next)}">
<fieldset><legend>Create a new sandbox member</legend>
<label>Username <input type="text" name="username" maxlength="30" pattern="[A-Za-z0-9_.\\-]+" required></label>
<button type="submit">Create and sign in</button>
</fieldset>
</form>`,
  );
}

export function consentPage(p: {
  projectName: string;
  username: string;
  csrf: string;
  fields: Record<string, string>;
}): string {
  const hidden = Object.entries(p.fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  return page(
    `Authorize ${p.projectName}`,
    `<p>Signed in as <strong>${esc(p.username)}</strong>.</p>
<p>The project <strong>${esc(p.projectName)}</strong> asks to join your account: it will be able to add data files to your
Open Humans account and read the files it added.</p>
<form method="post" action="/direct-sharing/projects/oauth2/authorize/">
<input type="hidden" name="csrfmiddlewaretoken" value="${esc(p.csrf)}">
${hidden}
<button type="submit" name="allow" value="Authorize">Authorize</button>
<button type="submit" name="deny" value="Deny">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<p>${esc(message)}</p>`);
}

/** The account's log-out page (django-allauth asks before logging out, with a plain form). */
export function logoutPage(p: { username: string | undefined; csrf: string }): string {
  if (!p.username) return page('Signed out', '<p>You are not signed in to Open Humans in this browser.</p>');
  return page(
    'Log out',
    `<p>You are signed in to Open Humans as <strong>${esc(p.username)}</strong>.</p>
<form method="post" action="/account/logout/">
<input type="hidden" name="csrfmiddlewaretoken" value="${esc(p.csrf)}">
<button type="submit">Log out of Open Humans</button>
</form>`,
  );
}
