import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import Redis from 'ioredis';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { freePort, PrivateRedis } from '../helpers/redis-server';
import { REDIS_AUTH_PASSWORD, TOKEN_ENCRYPTION_KEY } from '../helpers/secrets';

/** A throw-away CA and a server certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=gateway-test-ca']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'ext.cnf',
  ]);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
}

/** TLS in front of a plain simulator (an upstream with a private CA). */
async function tlsFront(target: string, certs: { cert: string; key: string }): Promise<{ url: string; close(): Promise<void> }> {
  const port = Number(new URL(target).port);
  const server = tls.createServer({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (socket) => {
    const upstream = net.connect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A forward proxy that only tunnels (CONNECT), counting the targets it was asked for. */
async function connectProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readyz(url: string): Promise<{ status: string; cache: { state: string } }> {
  return (await (await fetch(`${url}/readyz`)).json()) as { status: string; cache: { state: string } };
}

let sims: SimulatedUpstreams;
let dir: string;
let certs: ReturnType<typeof makeCertificates>;
beforeAll(async () => {
  sims = await startSimulators();
  dir = mkdtempSync(path.join(os.tmpdir(), 'gw-tls-'));
  certs = makeCertificates(dir);
});
afterAll(async () => {
  await sims.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IAM tokens at rest (TOKEN_ENCRYPTION_KEY) and Redis AUTH (REDIS_PASSWORD)', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await PrivateRedis.start(['--requirepass', REDIS_AUTH_PASSWORD]);
  });
  afterAll(() => redis.stop());

  it('logs in to a Redis that requires AUTH, and stores the IAM token sealed (AES-GCM), readable by its peers', async () => {
    const env = { REDIS_URL: redis.url, REDIS_PASSWORD: REDIS_AUTH_PASSWORD, TOKEN_ENCRYPTION_KEY, CACHE_PREFIX: 'tek' };
    const first = await startTestGateway({ sims, redis: false, env });
    try {
      expect((await readyz(first.url)).cache.state).toBe('up');
      expect((await first.query(`{ pipeline(id: "${pipelineIds(1, 'tek')[0]}") { id } }`)).body.errors).toBeUndefined();

      const client = new Redis(redis.url, { password: REDIS_AUTH_PASSWORD, lazyConnect: true });
      await client.connect();
      const keys = await client.keys('tek:{iam-token:*}:token');
      expect(keys).toHaveLength(1);
      const stored = (await client.get(keys[0] ?? '')) ?? '';
      client.disconnect();
      expect(stored).toMatch(/^v1\.[^.]+\.[^.]+\.[^.]+$/);
      expect(stored).not.toContain('MIIsim');
      expect(stored).not.toContain('expiresAt');

      // A second gateway with the same key opens it: no second login.
      sims.iam.resetCalls();
      const second = await startTestGateway({ sims, redis: false, env });
      try {
        expect((await second.query(`{ pipeline(id: "${pipelineIds(1, 'tek-2')[0]}") { id } }`)).body.errors).toBeUndefined();
        expect(sims.iam.callCount()).toBe(0);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it('a wrong Redis password leaves the cache down (degraded) but every query answered', async () => {
    const gw = await startTestGateway({ sims, redis: false, env: { REDIS_URL: redis.url, REDIS_PASSWORD: 'not-the-password-000' } });
    try {
      expect((await gw.query(`{ pipeline(id: "${pipelineIds(1, 'noauth')[0]}") { id } }`)).body.errors).toBeUndefined();
      const ready = await readyz(gw.url);
      expect(ready.status).toBe('degraded');
      expect(ready.cache.state).toBe('down');
    } finally {
      await gw.close();
    }
  });
});

describe('rediss:// (Redis over TLS with a private CA)', () => {
  it('connects with REDIS_TLS_CA_FILE and caches', async () => {
    const tlsPort = await freePort();
    const redis = await PrivateRedis.start([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      certs.cert,
      '--tls-key-file',
      certs.key,
      '--tls-ca-cert-file',
      certs.ca,
      '--tls-auth-clients',
      'no',
    ]);
    const gw = await startTestGateway({
      sims,
      redis: false,
      env: { REDIS_URL: `rediss://127.0.0.1:${tlsPort}/0`, REDIS_TLS_CA_FILE: certs.ca },
    });
    try {
      expect((await readyz(gw.url)).cache.state).toBe('up');
      const q = `{ pipeline(id: "${pipelineIds(1, 'tls')[0]}") { id latestRun { status } } }`;
      await gw.query(q);
      sims.pipeline.resetCalls();
      expect((await gw.query(q)).body.errors).toBeUndefined();
      expect(sims.pipeline.callCount()).toBe(0);
    } finally {
      await gw.close();
      await redis.stop();
    }
  });
});

describe('upstreams behind a private CA (UPSTREAM_CA_FILE) and an outbound proxy (HTTPS_PROXY, NO_PROXY)', () => {
  let front: Awaited<ReturnType<typeof tlsFront>>;
  let proxy: Awaited<ReturnType<typeof connectProxy>>;
  beforeAll(async () => {
    front = await tlsFront(sims.endpoints.comestri ?? '', certs);
    proxy = await connectProxy();
  });
  afterAll(async () => {
    await front.close();
    await proxy.close();
  });
  const viaTls = () => ({ ...sims, endpoints: { ...sims.endpoints, comestri: front.url } });
  const JOBS = `{ jobs(first: 1) { totalCount } gatewayInfo { version } }`;

  it('an upstream whose certificate no public root signs is UPSTREAM_UNAVAILABLE without the CA', async () => {
    const gw = await startTestGateway({ sims: viaTls(), redis: false, env: { UPSTREAM_RETRIES: '0' } });
    try {
      const res = await gw.query(JOBS);
      expect(res.body.data?.jobs).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'comestri' });
    } finally {
      await gw.close();
    }
  });

  it('answers once UPSTREAM_CA_FILE names the CA', async () => {
    const gw = await startTestGateway({ sims: viaTls(), redis: false, env: { UPSTREAM_CA_FILE: certs.ca } });
    try {
      const res = await gw.query(JOBS);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.jobs).toEqual({ totalCount: expect.any(Number) });
    } finally {
      await gw.close();
    }
  });

  it('tunnels upstream calls through the proxy (https via HTTPS_PROXY, http via HTTP_PROXY), except NO_PROXY hosts', async () => {
    const gw = await startTestGateway({
      sims: viaTls(),
      redis: false,
      env: {
        UPSTREAM_CA_FILE: certs.ca,
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
        NO_PROXY: `localhost,127.0.0.1:${new URL(sims.endpoints.iam ?? '').port}`,
      },
    });
    try {
      const res = await gw.query(`{ jobs(first: 1) { totalCount } pipeline(id: "${pipelineIds(1, 'proxy')[0]}") { id } }`);
      expect(res.body.errors).toBeUndefined();
      const port = (u: string | undefined) => new URL(u ?? '').port;
      expect(proxy.targets).toContain(`127.0.0.1:${port(front.url)}`);
      expect(proxy.targets).toContain(`127.0.0.1:${port(sims.endpoints.pipeline)}`);
      // NO_PROXY host:port: IAM was reached directly.
      expect(proxy.targets).not.toContain(`127.0.0.1:${port(sims.endpoints.iam)}`);
    } finally {
      await gw.close();
    }
  });

  it('a proxy that is down is UPSTREAM_UNAVAILABLE for the proxied upstreams only', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const gw = await startTestGateway({
      sims,
      redis: false,
      env: {
        HTTP_PROXY: dead,
        NO_PROXY: `127.0.0.1:${new URL(sims.endpoints.iam ?? '').port},127.0.0.1:${new URL(sims.endpoints.pipeline ?? '').port}`,
        UPSTREAM_RETRIES: '0',
      },
    });
    try {
      const res = await gw.query(`{ jobs(first: 1) { totalCount } pipeline(id: "${pipelineIds(1, 'dead-proxy')[0]}") { id } }`);
      expect(res.body.data?.pipeline).toEqual({ id: expect.any(String) });
      expect(res.body.errors?.[0]).toMatchObject({ path: ['jobs'], extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'comestri' } });
    } finally {
      await gw.close();
    }
  });
});
