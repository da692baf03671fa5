import http from 'node:http';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds, id32 } from '../helpers/ids';
import { TcpProxy } from '../helpers/tcp-proxy';

const PIPELINES = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`;
const BOTH = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } jobs(first: 1) { totalCount } }`;
const NO_CACHE = { RESULT_CACHE_TTL_SECONDS: '0', RESULT_CACHE_STALE_SECONDS: '0' };

type Readiness = { status: string; upstreams: Record<string, { breaker?: string; probeInMs?: number }> };
async function readyz(gw: TestGateway): Promise<Readiness> {
  return (await (await fetch(`${gw.url}/readyz`)).json()) as Readiness;
}

async function metric(gw: TestGateway, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

let sims: SimulatedUpstreams;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(() => sims.close());
afterEach(() => {
  for (const s of sims.all()) s.clearFaults().setLatency(0).resetCalls();
});

describe('circuit breaker per upstream', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      sims,
      redis: false,
      env: {
        ...NO_CACHE,
        UPSTREAM_PIPELINE_BREAKER_FAILURES: '2',
        UPSTREAM_PIPELINE_BREAKER_RESET_MS: '300',
        UPSTREAM_PIPELINE_RETRIES: '0',
      },
    });
  });
  afterAll(() => gw.close());

  it('opens after repeated failures, then answers UPSTREAM_UNAVAILABLE at once without calling the upstream; closes again once it recovers', async () => {
    const ids = pipelineIds(2, 'breaker');
    sims.pipeline.inject({ kind: 'status', status: 502 });
    for (let i = 0; i < 2; i++) {
      const res = await gw.query(BOTH, { ids });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'pipeline', status: 502 });
    }
    const ready = await readyz(gw);
    expect(ready.status).toBe('degraded');
    expect(ready.upstreams.pipeline?.breaker).toBe('open');
    expect(ready.upstreams.pipeline?.probeInMs).toBeLessThanOrEqual(300);
    expect(ready.upstreams.comestri?.breaker).toBe('closed');
    expect(await metric(gw, /gateway_upstream_breaker_state\{upstream="pipeline"\} (\d+)/)).toBe(2);

    // Open: refused at once, the upstream never sees the call, other upstreams still answer.
    sims.pipeline.clearFaults().resetCalls().setLatency(200);
    const started = Date.now();
    const refused = await gw.query(BOTH, { ids });
    expect(Date.now() - started).toBeLessThan(150);
    expect(refused.body.data?.pipelines).toBeNull();
    expect(refused.body.data?.jobs).toEqual({ totalCount: expect.any(Number) });
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors?.[0]).toMatchObject({
      path: ['pipelines'],
      message: 'pipeline is unavailable (circuit breaker open)',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'pipeline' },
    });
    expect(sims.pipeline.callCount()).toBe(0);

    // After the reset time one probe goes through; it succeeds and the breaker closes.
    sims.pipeline.setLatency(0);
    await new Promise((r) => setTimeout(r, 320));
    expect((await readyz(gw)).upstreams.pipeline?.breaker).toBe('half-open');
    const probe = await gw.query(PIPELINES, { ids });
    expect(probe.body.errors).toBeUndefined();
    expect(sims.pipeline.callCount()).toBe(1);
    const after = await readyz(gw);
    expect(after.status).toBe('ready');
    expect(after.upstreams.pipeline?.breaker).toBe('closed');
    expect(await metric(gw, /gateway_upstream_breaker_state\{upstream="pipeline"\} (\d+)/)).toBe(0);
  });

  it('4xx answers never open it', async () => {
    sims.pipeline.inject({ kind: 'status', status: 400, json: { error_code: 'DEVPIPE.00011400', error_msg: 'bad' } });
    for (let i = 0; i < 4; i++) {
      const res = await gw.query(PIPELINES, { ids: pipelineIds(1, 'four') });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
    }
    expect((await readyz(gw)).upstreams.pipeline?.breaker).toBe('closed');
  });
});

describe('per-upstream policies (UPSTREAM_<NAME>_* over UPSTREAM_*)', () => {
  it('a deadline set for one upstream applies to it alone', async () => {
    const gw = await startTestGateway({
      sims,
      redis: false,
      env: { ...NO_CACHE, UPSTREAM_PIPELINE_DEADLINE_MS: '200', UPSTREAM_DEADLINE_MS: '3000' },
    });
    try {
      sims.pipeline.setLatency(400);
      sims.comestri.setLatency(400);
      const res = await gw.query(BOTH, { ids: pipelineIds(1, 'deadline') });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({ path: ['pipelines'], extensions: { code: 'UPSTREAM_TIMEOUT', upstream: 'pipeline' } });
      expect(res.body.data?.jobs).toEqual({ totalCount: expect.any(Number) });
      expect(gw.config.upstreamPolicies.pipeline.deadlineMs).toBe(200);
      expect(gw.config.upstreamPolicies.comestri.deadlineMs).toBe(3000);
    } finally {
      await gw.close();
      // The simulator still holds the abandoned call; let it finish before the next test's faults.
      await new Promise((r) => setTimeout(r, 300));
    }
  });

  it('a per-attempt headers timeout shorter than the deadline is retried within the deadline', async () => {
    const gw = await startTestGateway({
      sims,
      redis: false,
      env: {
        ...NO_CACHE,
        UPSTREAM_PIPELINE_HEADERS_TIMEOUT_MS: '150',
        UPSTREAM_PIPELINE_DEADLINE_MS: '3000',
        UPSTREAM_PIPELINE_RETRIES: '1',
      },
    });
    try {
      sims.pipeline.inject({ kind: 'hang', ms: 600 }, { times: 1 });
      const started = Date.now();
      const res = await gw.query(PIPELINES, { ids: pipelineIds(1, 'headers') });
      expect(res.body.errors).toBeUndefined();
      expect(sims.pipeline.callCount()).toBe(2);
      expect(Date.now() - started).toBeLessThan(600);
    } finally {
      await gw.close();
    }
  });

  it('the retry budget stops retries once spent, and counts them', async () => {
    const gw = await startTestGateway({
      sims,
      redis: false,
      env: {
        ...NO_CACHE,
        UPSTREAM_PIPELINE_RETRIES: '2',
        UPSTREAM_PIPELINE_RETRY_BACKOFF_MS: '1',
        UPSTREAM_PIPELINE_RETRY_BUDGET_PERCENT: '0',
        UPSTREAM_PIPELINE_RETRY_MIN_PER_SECOND: '1',
        UPSTREAM_PIPELINE_BREAKER_FAILURES: '1000',
      },
    });
    try {
      sims.pipeline.inject({ kind: 'status', status: 503 });
      // The budget holds one retry (one per second, none earned by calls): the first query
      // spends it on its first retry; its second retry and every later one are refused.
      for (let i = 0; i < 3; i++) await gw.query(PIPELINES, { ids: pipelineIds(1, `budget-${i}`) });
      expect(sims.pipeline.callCount()).toBe(3 + 1);
      expect(await metric(gw, /gateway_upstream_retries_total\{upstream="pipeline",outcome="retried"\} (\d+)/)).toBe(1);
      expect(await metric(gw, /gateway_upstream_retries_total\{upstream="pipeline",outcome="budget_exhausted"\} (\d+)/)).toBe(3);
    } finally {
      await gw.close();
    }
  });

  it('a Retry-After longer than the cap answers UPSTREAM_RATE_LIMITED at once, with the wait asked for', async () => {
    const gw = await startTestGateway({ sims, redis: false, env: { ...NO_CACHE, UPSTREAM_PIPELINE_MAX_RETRY_AFTER_SECONDS: '1' } });
    try {
      sims.pipeline.inject({ kind: 'rate-limit', retryAfterSeconds: 30 });
      const started = Date.now();
      const res = await gw.query(PIPELINES, { ids: pipelineIds(1, 'cap') });
      expect(Date.now() - started).toBeLessThan(500);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
        upstream: 'pipeline',
        status: 429,
        retryAfterSeconds: 30,
      });
      expect(sims.pipeline.callCount()).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

describe('bounded pools and cancellation (through a TCP proxy that counts connections)', () => {
  let proxy: TcpProxy;
  let gw: TestGateway;
  beforeAll(async () => {
    proxy = await TcpProxy.start({ port: Number(new URL(sims.endpoints.pipeline ?? '').port) });
    gw = await startTestGateway({
      sims: { ...sims, endpoints: { ...sims.endpoints, pipeline: `http://127.0.0.1:${proxy.port}` } },
      redis: false,
      env: { ...NO_CACHE, UPSTREAM_PIPELINE_CONNECTIONS: '2', OPERATION_DEADLINE_MS: '400', UPSTREAM_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => {
    await gw.close();
    await proxy.close();
  });

  it('never opens more connections to an upstream than UPSTREAM_<NAME>_CONNECTIONS', async () => {
    sims.pipeline.setLatency(50);
    const projects = Array.from({ length: 6 }, (_, i) => id32(`pool-project-${i}`));
    const q = `query($ids: [ID!]!) { ${projects.map((p, i) => `p${i}: pipelines(projectId: "${p}", ids: $ids) { id }`).join(' ')} }`;
    const res = await gw.query(q, { ids: pipelineIds(1, 'pool') });
    expect(res.body.errors).toBeUndefined();
    expect(sims.pipeline.callCount('/v5/')).toBe(6);
    expect(proxy.peakOpen).toBeLessThanOrEqual(2);
  });

  it('the operation deadline answers UPSTREAM_TIMEOUT and cancels the upstream call', async () => {
    sims.pipeline.setLatency(3000);
    const closedBefore = proxy.closed;
    const started = Date.now();
    const res = await gw.query(PIPELINES, { ids: pipelineIds(1, 'op-deadline') });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(res.body.errors?.[0]).toMatchObject({ path: ['pipelines'], extensions: { code: 'UPSTREAM_TIMEOUT', upstream: 'pipeline' } });
    // The in-flight call's connection was closed by the gateway, not left to finish.
    await new Promise((r) => setTimeout(r, 100));
    expect(proxy.closed).toBeGreaterThan(closedBefore);
    // A cancelled call is not an upstream fault: the breaker did not count it.
    expect((await readyz(gw)).upstreams.pipeline?.breaker).toBe('closed');
  });

  it('a client that goes away cancels the upstream calls of its operation', async () => {
    sims.pipeline.setLatency(3000);
    const closedBefore = proxy.closed;
    const callsBefore = sims.pipeline.callCount();
    const req = http.request(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ query: PIPELINES, variables: { ids: pipelineIds(1, 'gone') } }));
    // Wait until the upstream has the call, then hang up.
    const until = Date.now() + 2000;
    while (sims.pipeline.callCount() === callsBefore && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    req.destroy();
    const closedBy = Date.now() + 1000;
    while (proxy.closed === closedBefore && Date.now() < closedBy) await new Promise((r) => setTimeout(r, 10));
    expect(proxy.closed).toBeGreaterThan(closedBefore);
    expect(await (await fetch(`${gw.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});
