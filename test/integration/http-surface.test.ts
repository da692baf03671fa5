import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { GATEWAY_KEY, GATEWAY_KEY_2 } from '../helpers/secrets';

describe('HTTP surface', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false });
  });
  afterAll(() => gw.close());

  it('/healthz answers 200 while serving', async () => {
    const res = await fetch(`${gw.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz names the cache and every upstream with its state', async () => {
    const res = await fetch(`${gw.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ready',
      simulated: true,
      // One process, no shared cache: nothing to hear of, versions are its own.
      cache: { state: 'up', kind: 'memory', invalidation: 'check' },
      upstreams: { iam: { configured: true, breaker: 'closed' }, pipeline: { configured: true, breaker: 'closed' } },
    });
    expect(Object.keys(body.upstreams as object).sort()).toEqual(['artifact', 'bandwidth', 'comestri', 'iam', 'pipeline', 'rts']);
  });

  it('takes X-Request-Id from the caller and returns it; makes one up otherwise', async () => {
    const given = await fetch(`${gw.url}/healthz`, { headers: { 'X-Request-Id': 'req-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('req-abc.123');
    const made = await fetch(`${gw.url}/healthz`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /graphql runs a query per GraphQL over HTTP, with CSRF prevention on', async () => {
    const url = `${gw.url}/graphql?query=${encodeURIComponent('{ gatewayInfo { simulated } }')}`;
    // A "simple" cross-site GET (no preflight-forcing header) is refused.
    const simple = await fetch(url, { headers: { accept: 'application/graphql-response+json' } });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toContain('CSRF');
    const res = await fetch(url, { headers: { accept: 'application/graphql-response+json', 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { gatewayInfo: { simulated: true } } });
  });

  it('a POST body that is not JSON is a 400 with a GraphQL error', async () => {
    const res = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: unknown[] }).errors).toHaveLength(1);
  });

  it('says in Server-Timing how long the gateway itself took on an operation (SERVER_TIMING=false: not said)', async () => {
    const res = await gw.query('{ gatewayInfo { simulated } }');
    expect(res.status).toBe(200);
    const timing = res.headers.get('server-timing') ?? '';
    expect(timing).toMatch(/^gateway;dur=\d+\.\d{2}$/);
    expect(Number(timing.split('dur=')[1])).toBeLessThan(5000);
    // Only GraphQL answers carry it.
    expect((await fetch(`${gw.url}/healthz`)).headers.get('server-timing')).toBeNull();

    const quiet = await startTestGateway({ redis: false, env: { SERVER_TIMING: 'false' } });
    try {
      expect((await quiet.query('{ gatewayInfo { simulated } }')).headers.get('server-timing')).toBeNull();
    } finally {
      await quiet.close();
    }
  });

  it('/metrics exposes request and upstream-call counters in Prometheus text', async () => {
    await gw.query(`{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { id } }`);
    const res = await fetch(`${gw.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/gateway_http_requests_total\{route="graphql",status="200"\} \d+/);
    expect(text).toMatch(/gateway_upstream_calls_total\{upstream="pipeline",status="200"\} 1/);
    expect(text).toMatch(/gateway_upstream_calls_total\{upstream="iam",status="201"\} 1/);
  });

  it('drains in-flight requests on shutdown: a slow query started before close still answers', async () => {
    const own = await startTestGateway({ redis: false, sims: gw.sims });
    gw.sims.pipeline.setLatency(300);
    try {
      const slow = own.query(`{ pipeline(id: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6") { latestRun { status } } }`);
      await new Promise((r) => setTimeout(r, 100));
      const closing = own.gateway.close();
      const ready = await fetch(`${own.url}/readyz`).then(
        (r) => r.status,
        () => 'refused',
      );
      expect([503, 'refused']).toContain(ready);
      const res = await slow;
      expect(res.body.errors).toBeUndefined();
      await closing;
    } finally {
      gw.sims.pipeline.setLatency(0);
    }
  });
});

describe('gateway keys (GATEWAY_API_KEYS)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { GATEWAY_API_KEYS: `${GATEWAY_KEY},${GATEWAY_KEY_2}` } });
  });
  afterAll(() => gw.close());

  const q = `{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { id } }`;

  it.each([
    ['no key', {}],
    ['a wrong key', { authorization: 'Bearer not-a-gateway-key-0000' }],
    ['a malformed header', { authorization: GATEWAY_KEY }],
  ])('%s: HTTP 401 UNAUTHENTICATED and no upstream touched', async (_label, headers) => {
    gw.sims.pipeline.resetCalls();
    gw.sims.iam.resetCalls();
    const res = await gw.query(q, undefined, headers);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(gw.sims.pipeline.callCount() + gw.sims.iam.callCount()).toBe(0);
  });

  it('each configured key is accepted', async () => {
    for (const key of [GATEWAY_KEY, GATEWAY_KEY_2]) {
      const res = await gw.query(q, undefined, { authorization: `Bearer ${key}` });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    }
  });

  it('health, readiness and metrics stay open', async () => {
    for (const p of ['/healthz', '/readyz', '/metrics']) expect((await fetch(gw.url + p)).status).toBe(200);
  });
});
