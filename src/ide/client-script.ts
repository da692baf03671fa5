/**
 * The IDE's own browser code, served as /graphql/ide/ide.js (a file, not an inline script, so
 * the page's Content-Security-Policy can forbid inline scripts). Plain ES2017 on purpose: it
 * runs as is in any current browser, with React 18 and GraphiQL 3 from their UMD builds as
 * globals. It adds what GraphiQL lacks for this gateway: the gateway key field and, with
 * end-user sign-in on, the user token field (either sent as `Authorization: Bearer`, the token
 * first; kept in sessionStorage only), the example picker, and subscriptions (over WebSocket at
 * the same path, with graphql-ws's browser build; the bearer and the headers editor's headers go
 * in its connection parameters).
 */
export const IDE_CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var keyInput = document.getElementById('gateway-key');
  // Present only with end-user sign-in on: a user's JWT, sent instead of the key when filled.
  var tokenInput = document.getElementById('user-token');
  var picker = document.getElementById('ide-example');
  var status = document.getElementById('ide-status');
  var endpoint = window.location.pathname;
  var KEY_STORAGE = 'bff-gateway:key';
  var TOKEN_STORAGE = 'bff-gateway:user-token';

  try {
    keyInput.value = window.sessionStorage.getItem(KEY_STORAGE) || '';
    if (tokenInput) tokenInput.value = window.sessionStorage.getItem(TOKEN_STORAGE) || '';
  } catch (e) { /* storage blocked */ }

  // The bearer sent: the user's token when one is pasted, else the gateway key.
  function bearer() {
    var token = tokenInput ? tokenInput.value.trim() : '';
    return token || keyInput.value.trim();
  }

  // After an example replaces the editor's text, GraphiQL can still send the operation name
  // of what was there before; a name the document does not define is dropped.
  function definesOperation(query, name) {
    return new RegExp('\\b(query|mutation|subscription)\\s+' + name + '\\b').test(query || '');
  }

  // The kind of the operation that runs: the named one, else the document's first.
  function operationKind(query, name) {
    var pattern = /(^|[}\s])(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/g;
    var text = (query || '').replace(/#[^\n]*/g, '');
    var first = null;
    var m;
    while ((m = pattern.exec(text)) !== null) {
      if (first === null) first = m[2];
      if (name && m[3] === name) return m[2];
    }
    return first || 'query';
  }

  function subscribe(params, key, extra) {
    var connectionParams = {};
    Object.keys(extra).forEach(function (name) { connectionParams[name.toLowerCase()] = String(extra[name]); });
    if (key) connectionParams.authorization = 'Bearer ' + key;
    var url = (window.location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + window.location.host + endpoint;
    // One lazy client per subscription: it closes its socket as soon as the subscription ends.
    var client = graphqlWs.createClient({ url: url, connectionParams: connectionParams, lazy: true, lazyCloseTimeout: 0, retryAttempts: 0 });
    return client.iterate(params);
  }

  function makeFetcher(key) {
    return function fetcher(params, options) {
      if (params.operationName && !definesOperation(params.query, params.operationName)) {
        params = Object.assign({}, params, { operationName: null });
      }
      if (operationKind(params.query, params.operationName) === 'subscription') {
        return subscribe(params, key, (options && options.headers) || {});
      }
      var headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
      if (key) headers.authorization = 'Bearer ' + key;
      var extra = (options && options.headers) || {};
      Object.keys(extra).forEach(function (name) { headers[name.toLowerCase()] = String(extra[name]); });
      return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params), credentials: 'same-origin' })
        .then(function (res) {
          return res.text().then(function (text) {
            try { return JSON.parse(text); } catch (e) {
              return { errors: [{ message: 'HTTP ' + res.status + ': ' + text.slice(0, 200) }] };
            }
          });
        });
    };
  }

  var state = { fetcher: makeFetcher(bearer()), query: undefined, variables: undefined };
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));

  function render() {
    root.render(React.createElement(GraphiQL, {
      fetcher: state.fetcher,
      defaultTabs: config.examples.map(function (e) { return { query: e.query, variables: e.variables || '' }; }),
      query: state.query,
      variables: state.variables,
      defaultEditorToolsVisibility: 'variables',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    }));
  }

  function showKeyState() {
    var hasToken = tokenInput && tokenInput.value.trim() !== '';
    var hasKey = keyInput.value.trim() !== '';
    var needed = config.signIn ? 'a gateway key or a user token is required' : 'a gateway key is required';
    status.textContent = hasToken ? 'user token set' : hasKey ? 'key set' : (config.authRequired ? needed : 'no key needed');
    status.className = hasToken || hasKey || !config.authRequired ? 'ok' : 'warn';
  }

  function remember(name, value) {
    try {
      if (value) window.sessionStorage.setItem(name, value); else window.sessionStorage.removeItem(name);
    } catch (e) { /* storage blocked */ }
  }

  function applyKey() {
    remember(KEY_STORAGE, keyInput.value.trim());
    if (tokenInput) remember(TOKEN_STORAGE, tokenInput.value.trim());
    // A new fetcher makes GraphiQL fetch the schema again, now with the key or token.
    state.fetcher = makeFetcher(bearer());
    showKeyState();
    render();
  }

  [keyInput, tokenInput].forEach(function (input) {
    if (!input) return;
    input.addEventListener('change', applyKey);
    input.addEventListener('keydown', function (event) { if (event.key === 'Enter') input.blur(); });
  });

  picker.addEventListener('change', function () {
    var example = config.examples[Number(picker.value)];
    picker.value = '';
    if (!example) return;
    // GraphiQL replaces the editor's text whenever this prop changes; a trailing newline
    // toggles it when the same example is picked twice.
    state.query = state.query === example.query ? example.query + '\n' : example.query;
    state.variables = example.variables || '';
    render();
  });

  showKeyState();
  render();
})();
`;

export const IDE_STYLES = `html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:14px system-ui,-apple-system,'Segoe UI',sans-serif}
#ide-bar{display:flex;flex-wrap:wrap;gap:12px;align-items:center;padding:6px 12px;background:#0f172a;color:#f8fafc}
#ide-bar strong{margin-right:8px}
#ide-bar label{display:flex;gap:6px;align-items:center}
#ide-bar input,#ide-bar select{font:inherit;padding:3px 6px;border-radius:4px;border:1px solid #475569;background:#1e293b;color:#f8fafc}
#ide-bar input{width:22em}
#ide-status.ok{color:#86efac}#ide-status.warn{color:#fcd34d}
#graphiql{flex:1;min-height:0}
`;
