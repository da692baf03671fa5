/* global process, URL */
// A real OpenID Connect provider (oidc-provider, the certified Node implementation) for the
// end-user sign-in tests, run in a child process because oidc-provider 9 is ESM-only and Jest 30
// on Node 20 cannot load ESM in its module runtime. Driven over IPC by test/helpers/oidc-provider.ts:
//   {type:'start', port, keys, clients, audience}  → {type:'listening', port, issuer}
//   {type:'rotate', keys}                           → {type:'rotated'}   (the provider now signs with keys[0])
//   {type:'stop'}                                   → {type:'stopped'}   (an outage: the port refuses connections)
//   {type:'stats'}                                  → {type:'stats', jwks, discovery}
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

let server = null;
let provider = null;
let settings = null;
const stats = { jwks: 0, discovery: 0 };

function makeProvider(issuer, keys) {
  const { clients, audience } = settings;
  const claimsByClient = Object.fromEntries(clients.map((c) => [c.client_id, c.token_claims ?? {}]));
  const p = new Provider(issuer, {
    clients: clients.map(({ token_claims: _claims, ...client }) => ({
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: keys[0].alg,
      ...client,
    })),
    jwks: { keys },
    scopes: ['openid', 'gateway:read', 'gateway:write', 'artifact:secrets'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== audience) throw new errors.InvalidTarget();
          return {
            scope: 'gateway:read gateway:write artifact:secrets',
            audience,
            accessTokenTTL: 300,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: keys[0].alg } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) => claimsByClient[token.clientId] ?? {},
    cookies: { keys: ['oidc-test-cookie-key-not-a-secret'] },
  });
  return p;
}

function listen(port) {
  server = http.createServer((req, res) => {
    if (req.url.startsWith('/jwks')) stats.jwks += 1;
    if (req.url.startsWith('/.well-known/openid-configuration')) stats.discovery += 1;
    provider.callback()(req, res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

process.on('message', async (msg) => {
  try {
    if (msg.type === 'start') {
      settings = { clients: msg.clients, audience: msg.audience, keys: msg.keys };
      const port = await listen(msg.port ?? 0);
      settings.issuer = `http://127.0.0.1:${port}`;
      provider = makeProvider(settings.issuer, settings.keys);
      process.send({ type: 'listening', port, issuer: settings.issuer });
    } else if (msg.type === 'restart') {
      await listen(Number(new URL(settings.issuer).port));
      process.send({ type: 'restarted' });
    } else if (msg.type === 'rotate') {
      settings.keys = msg.keys;
      provider = makeProvider(settings.issuer, settings.keys);
      process.send({ type: 'rotated' });
    } else if (msg.type === 'stop') {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      process.send({ type: 'stopped' });
    } else if (msg.type === 'stats') {
      process.send({ type: 'stats', ...stats });
    }
  } catch (err) {
    process.send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});

process.on('disconnect', () => process.exit(0));
