import { IDE_EXAMPLES } from './examples';

/**
 * Where the page's assets are served (see assets.ts). Relative, so that from the page at
 * `/graphql` they resolve to `/graphql/ide/...`, and behind a path prefix to `<prefix>/graphql/ide/...`.
 */
export const IDE_ASSET_DIR = 'graphql/ide';

/**
 * Everything the page loads comes from the gateway itself; the policy makes the browser
 * refuse anything else, so the IDE works (and leaks nothing) with no internet. GraphiQL sets
 * inline styles and embeds its fonts as data: URLs.
 */
export const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The GraphQL IDE (GraphiQL 3) a browser gets for `GET /graphql`, with the gateway key field
 * (and, with end-user sign-in on, a field for a user's token: a JWT from the OIDC provider)
 * and an example operation per domain. No CDN: React, GraphiQL and their CSS are served by
 * the gateway from its own dependencies under /graphql/ide/.
 */
export function renderIdePage(options: { authRequired: boolean; signIn?: boolean }): string {
  const config = {
    authRequired: options.authRequired,
    signIn: options.signIn ?? false,
    examples: IDE_EXAMPLES.map(({ domain, title, query, variables }) => ({ domain, title, query, variables })),
  };
  const asset = (file: string) => `${IDE_ASSET_DIR}/${file}`;
  const exampleOptions = IDE_EXAMPLES.map((e, i) => `<option value="${i}">${escapeHtml(e.title)}</option>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${IDE_CONTENT_SECURITY_POLICY}">
<title>BFF GraphQL Gateway · IDE</title>
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('ide.css')}">
</head>
<body>
<header id="ide-bar">
<strong>BFF GraphQL Gateway</strong>
<label>Gateway key <input id="gateway-key" type="password" autocomplete="off" spellcheck="false" placeholder="${
    options.authRequired ? 'required: paste a key' : 'not required'
  }"></label>
${
  options.signIn
    ? '<label>User token <input id="user-token" type="password" autocomplete="off" spellcheck="false" placeholder="or paste a signed-in user\'s JWT"></label>\n'
    : ''
}<label>Examples <select id="ide-example"><option value="">Load an example…</option>${exampleOptions}</select></label>
<span id="ide-status"></span>
</header>
<div id="graphiql">Loading the IDE…</div>
<script id="ide-config" type="application/json">${jsonForScript(config)}</script>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('graphql-ws.min.js')}"></script>
<script src="${asset('ide.js')}"></script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element: `<` is escaped so no text can close the element. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
