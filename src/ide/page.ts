/**
 * A small GraphQL console served by the gateway itself: no CDN, works with no internet.
 */
export function renderIdePage(options: { authRequired: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BFF Gateway</title>
<style>body{font:14px system-ui,sans-serif;margin:0;display:flex;flex-direction:column;height:100vh}
header{padding:8px 12px;background:#1f2937;color:#fff;display:flex;gap:8px;align-items:center}
main{flex:1;display:flex}textarea,pre{flex:1;margin:0;padding:12px;font:13px ui-monospace,monospace;border:0;border-right:1px solid #ddd;overflow:auto}
input{flex:1;max-width:420px}button{padding:4px 14px}</style></head>
<body><header><strong>BFF GraphQL Gateway</strong>
<input id="key" placeholder="Gateway key${options.authRequired ? ' (required)' : ' (not required)'}" type="password">
<button id="run">Run ▶</button></header>
<main><textarea id="query" spellcheck="false">{ gatewayInfo { version simulated } }</textarea><pre id="result"></pre></main>
<script>
document.getElementById('run').onclick = async () => {
  const key = document.getElementById('key').value;
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (key) headers.authorization = 'Bearer ' + key;
  const res = await fetch(location.pathname, { method: 'POST', headers, body: JSON.stringify({ query: document.getElementById('query').value }) });
  document.getElementById('result').textContent = JSON.stringify(await res.json(), null, 2);
};
</script></body></html>`;
}
