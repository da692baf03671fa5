import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { IssuerKeys } from '../../src/auth/issuer-keys';

/** A JWKS endpoint on loopback (a real HTTP server) that counts its fetches and can fail. */
async function jwksServer() {
  const { publicKey } = await generateKeyPair('ES256');
  const state = {
    fetches: 0,
    failing: false,
    keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] as object[],
  };
  const server = http.createServer((_req, res) => {
    state.fetches += 1;
    if (state.failing) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  return { state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('IssuerKeys fetch limits (contract: 30 s per unknown kid, one at a time, 10 a minute)', () => {
  let server: Awaited<ReturnType<typeof jwksServer>>;
  let now: number;
  let keys: IssuerKeys;
  beforeEach(async () => {
    server = await jwksServer();
    now = 1_000_000;
    keys = new IssuerKeys({ issuer: 'https://id.example.com', jwksUrl: server.url, now: () => now });
  });
  afterEach(async () => {
    keys.close();
    await server.close();
  });

  it('the same unknown kid refetches at most once per 30 s', async () => {
    await keys.refreshForKid(undefined);
    expect(server.state.fetches).toBe(1);
    await keys.refreshForKid('unknown');
    await keys.refreshForKid('unknown');
    expect(server.state.fetches).toBe(2);
    now += 29_999;
    await keys.refreshForKid('unknown');
    expect(server.state.fetches).toBe(2);
    now += 1;
    await keys.refreshForKid('unknown');
    expect(server.state.fetches).toBe(3);
  });

  it('concurrent askers join one fetch', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => keys.refreshForKid(`kid-${i}`)));
    expect(server.state.fetches).toBe(1);
  });

  it('whatever the kids, at most 10 fetches per rolling minute', async () => {
    for (let i = 0; i < 25; i++) {
      await keys.refreshForKid(`kid-${i}`);
      now += 1000;
    }
    expect(server.state.fetches).toBe(10);
    now += 60_000;
    await keys.refreshForKid('kid-late');
    expect(server.state.fetches).toBe(11);
  });

  it('a failed refresh keeps the keys fetched before, and says so', async () => {
    await keys.refreshForKid(undefined);
    expect(keys.state()).toMatchObject({ state: 'up', keys: 1 });
    server.state.failing = true;
    await keys.refreshForKid('rotated-in');
    expect(keys.knows('k1')).toBe(true);
    expect(keys.state()).toMatchObject({ state: 'stale', keys: 1, lastError: `${server.url} answered HTTP 500` });
  });

  it('never uses a symmetric or a private key the set publishes', async () => {
    server.state.keys.push({ kty: 'oct', k: 'c2VjcmV0', kid: 'hmac', alg: 'HS256' });
    await keys.refreshForKid(undefined);
    expect(keys.knows('hmac')).toBe(false);
    expect(keys.state().keys).toBe(1);
  });
});
