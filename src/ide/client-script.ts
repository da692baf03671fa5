/**
 * The IDE's own browser code, served as /graphql/ide/ide.js (a file, not an inline script, so
 * the page's Content-Security-Policy can forbid inline scripts). Plain ES2017 on purpose: it
 * runs as is in any current browser, with React 18 and GraphiQL 3 from their UMD builds as
 * globals. It adds what GraphiQL lacks for this gateway: the gateway key field (sent as
 * `Authorization: Bearer`, kept in sessionStorage only), the example picker, and subscriptions
 * (over WebSocket at the same path, with graphql-ws's browser build; the key and the headers
 * editor's headers go in its connection parameters).
 */
export const IDE_CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var keyInput = document.getElementById('gateway-key');
  var picker = document.getElementById('ide-example');
  var status = document.getElementById('ide-status');
  var endpoint = window.location.pathname;
  var KEY_STORAGE = 'bff-gateway:key';

  try { keyInput.value = window.sessionStorage.getItem(KEY_STORAGE) || ''; } catch (e) { /* storage blocked */ }

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

  var state = { fetcher: makeFetcher(keyInput.value.trim()), query: undefined, variables: undefined };
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
    var hasKey = keyInput.value.trim() !== '';
    status.textContent = hasKey ? 'key set' : (config.authRequired ? 'a gateway key is required' : 'no key needed');
    status.className = hasKey || !config.authRequired ? 'ok' : 'warn';
  }

  function applyKey() {
    var key = keyInput.value.trim();
    try {
      if (key) window.sessionStorage.setItem(KEY_STORAGE, key); else window.sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) { /* storage blocked */ }
    // A new fetcher makes GraphiQL fetch the schema again, now with the key.
    state.fetcher = makeFetcher(key);
    showKeyState();
    render();
  }

  keyInput.addEventListener('change', applyKey);
  keyInput.addEventListener('keydown', function (event) { if (event.key === 'Enter') keyInput.blur(); });

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
