import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';
import { SIMULATED, startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { PrivateRedis } from '../helpers/redis-server';
import { startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';
import { id32, pipelineIds } from '../helpers/ids';
import { keyIdOf } from '../../src/auth/key-policy';
import { CALLER_TOKEN_ALICE, GATEWAY_KEY } from '../helpers/secrets';
import { resultsOf, sseSubscribe, wsClient, wsSubscribe } from '../helpers/live-clients';

const PROJECT = SIMULATED.codeartsProjectId;
const RUNS = `subscription($ids: [ID!]!) { pipelineRuns(ids: $ids) { id latestRun { status runNumber } } }`;

function run(pipelineId: string, status: string, runNumber: number, executorName = 'Beta environment account') {
  return { ...SEED_PIPELINE_RUN, pipeline_id: pipelineId, status, run_number: runNumber, executor_name: executorName };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live updates on one gateway (WebSocket and SSE)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { LIVE_POLL_INTERVAL_MS: '1000' } });
  });
  afterAll(() => gw.close());

  it('WebSocket: each pipeline once, then only changes of what was selected', async () => {
    const [a, b] = pipelineIds(2, 'live-ws');
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'RUNNING', 7)).setRun(PROJECT, b!, run(b!, 'COMPLETED', 3));
    const client = wsClient(gw.url);
    const sub = wsSubscribe(client, RUNS, { ids: [a, b] });
    const first = await resultsOf(sub, 2);
    expect(first.map((r) => r.data?.pipelineRuns)).toEqual(
      expect.arrayContaining([
        { id: a, latestRun: { status: 'RUNNING', runNumber: 7 } },
        { id: b, latestRun: { status: 'COMPLETED', runNumber: 3 } },
      ]),
    );
    // A field the subscriber did not select changes: nothing is sent.
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'RUNNING', 7, 'someone else'));
    await sleep(2500);
    expect(sub.results).toHaveLength(2);
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'COMPLETED', 7));
    const [, , third] = await resultsOf(sub, 3);
    expect(third).toEqual({ data: { pipelineRuns: { id: a, latestRun: { status: 'COMPLETED', runNumber: 7 } } } });
    sub.stop();
    await client.dispose();
  });

  it('SSE: a job once, its progress, then its final state, and the stream completes', async () => {
    gw.sims.comestri.updateJob(429, { status: 'processing', percent_completed: 0.5, result: 'Pending' });
    const sub = sseSubscribe(gw.url, `subscription { jobUpdated(id: "429") { id status percentCompleted } }`);
    await resultsOf(sub, 1);
    gw.sims.comestri.updateJob(429, { percent_completed: 0.75 });
    await resultsOf(sub, 2);
    gw.sims.comestri.updateJob(429, { status: 'complete', percent_completed: 1, result: 'Success' });
    expect(await sub.ended).toEqual({ how: 'complete' });
    expect(sub.results.map((r) => r.data?.jobUpdated)).toEqual([
      { id: '429', status: 'PROCESSING', percentCompleted: 0.5 },
      { id: '429', status: 'PROCESSING', percentCompleted: 0.75 },
      { id: '429', status: 'COMPLETE', percentCompleted: 1 },
    ]);
  });

  it('an upstream failure is an error event with the contract code; the next good poll resumes', async () => {
    const [a] = pipelineIds(1, 'live-fault');
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'RUNNING', 1));
    const client = wsClient(gw.url);
    const sub = wsSubscribe(client, RUNS, { ids: [a] });
    await resultsOf(sub, 1);
    gw.sims.pipeline.inject({ kind: 'status', status: 503 });
    const [, failed] = await resultsOf(sub, 2);
    expect(failed?.data).toEqual({ pipelineRuns: { id: a, latestRun: null } });
    expect(failed?.errors?.[0]).toMatchObject({
      path: ['pipelineRuns', 'latestRun'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'pipeline', status: 503 },
    });
    gw.sims.pipeline.clearFaults();
    const [, , resumed] = await resultsOf(sub, 3);
    expect(resumed).toEqual({ data: { pipelineRuns: { id: a, latestRun: { status: 'RUNNING', runNumber: 1 } } } });
    sub.stop();
    await client.dispose();
  });

  it('a deployment once, then its final state, and the subscription completes', async () => {
    const id = '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d';
    const client = wsClient(gw.url);
    const sub = wsSubscribe(client, `subscription($id: ID!) { softwareDeploymentUpdated(id: $id) { id status } }`, { id });
    await resultsOf(sub, 1);
    gw.sims.rts.updateDeployment(SIMULATED.huaweiProjectId, id, { status: 'COMPLETE' });
    expect(await sub.ended).toEqual({ how: 'complete' });
    expect(sub.results.map((r) => r.data?.softwareDeploymentUpdated)).toEqual([
      { id, status: 'IN_PROGRESS' },
      { id, status: 'COMPLETE' },
    ]);
    await client.dispose();
  });

  it('polling stops when the last subscriber leaves', async () => {
    const ids = pipelineIds(3, 'live-leave');
    const client = wsClient(gw.url);
    const one = wsSubscribe(client, RUNS, { ids });
    const two = sseSubscribe(gw.url, RUNS, { ids });
    await resultsOf(one, 3);
    await resultsOf(two, 3);
    one.stop();
    two.stop();
    await sleep(1200);
    const calls = gw.sims.pipeline.callCount();
    await sleep(2500);
    expect(gw.sims.pipeline.callCount()).toBe(calls);
    await client.dispose();
  });

  it('refuses what a query would be refused, before any upstream call', async () => {
    gw.sims.pipeline.resetCalls();
    const client = wsClient(gw.url);
    const bad = wsSubscribe(client, RUNS, { ids: ['not-a-pipeline'] });
    expect(await bad.ended).toEqual({ how: 'complete' });
    expect(bad.results).toEqual([
      {
        errors: [
          expect.objectContaining({
            path: ['pipelineRuns'],
            extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'ids' }),
          }),
        ],
      },
    ]);
    const query = wsSubscribe(client, `{ gatewayInfo { version } }`);
    expect(JSON.stringify(await query.ended)).toContain('Only subscriptions are served here');
    const empty = sseSubscribe(gw.url, `subscription { pipelineRuns(ids: []) { id } }`);
    await empty.ended;
    expect(empty.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.sims.pipeline.callCount()).toBe(0);
    await client.dispose();
  });

  it('reports subscriptions and polls in /metrics', async () => {
    const client = wsClient(gw.url);
    const sub = wsSubscribe(client, RUNS, { ids: pipelineIds(2, 'live-metrics') });
    await resultsOf(sub, 2);
    await sleep(1200);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/gateway_live_subscriptions\{kind="pipeline"\} 1/);
    expect(text).toMatch(/gateway_live_polls_total\{kind="pipeline",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/gateway_live_connections\{transport="websocket"\} 1/);
    sub.stop();
    await client.dispose();
  });
});

describe('live updates: credentials and limits', () => {
  let gw: TestGateway;
  const bearer = `Bearer ${GATEWAY_KEY}`;

  beforeAll(async () => {
    gw = await startTestGateway({
      env: {
        LIVE_POLL_INTERVAL_MS: '1000',
        GATEWAY_API_KEYS: GATEWAY_KEY,
        LIVE_MAX_IDS_PER_SUBSCRIPTION: '3',
        LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
        // This key may use the default CodeArts project only.
        GATEWAY_API_KEY_POLICIES: JSON.stringify({ [keyIdOf(GATEWAY_KEY)]: { projects: [PROJECT] } }),
      },
    });
    gw.sims.identities.accept(CALLER_TOKEN_ALICE, { user: 'alice', projects: new Set([PROJECT]) });
  });
  afterAll(() => gw.close());

  it('WebSocket without a valid key: the connection is closed with 4403', async () => {
    const client = wsClient(gw.url, { authorization: 'Bearer wrong-key-000000000000' });
    const ended = await wsSubscribe(client, RUNS, { ids: pipelineIds(1, 'x') }).ended;
    expect(ended.how).toBe('error');
    expect((ended as { error: { code?: number } }).error.code).toBe(4403);
    await client.dispose();
  });

  it('SSE without a valid key: HTTP 401 UNAUTHENTICATED, no upstream call', async () => {
    gw.sims.pipeline.resetCalls();
    const res = await fetch(`${gw.url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: RUNS, variables: { ids: pipelineIds(1, 'x') } }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(gw.sims.pipeline.callCount()).toBe(0);
  });

  it('with the key, both transports serve; over SSE too', async () => {
    const sub = sseSubscribe(gw.url, RUNS, { ids: pipelineIds(1, 'live-key') }, { authorization: bearer });
    expect((await resultsOf(sub, 1))[0]?.errors).toBeUndefined();
    sub.stop();
  });

  it('ids per subscription and subscriptions per connection are limited, each with a clear error', async () => {
    const client = wsClient(gw.url, { authorization: bearer });
    const tooMany = wsSubscribe(client, RUNS, { ids: pipelineIds(4, 'live-many') });
    await tooMany.ended;
    expect(tooMany.results[0]?.errors?.[0]).toMatchObject({
      message: expect.stringContaining('LIVE_MAX_IDS_PER_SUBSCRIPTION'),
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'idsPerSubscription', max: 3 },
    });
    const one = wsSubscribe(client, RUNS, { ids: pipelineIds(1, 'live-c1') });
    const two = wsSubscribe(client, RUNS, { ids: pipelineIds(1, 'live-c2') });
    await resultsOf(one, 1);
    await resultsOf(two, 1);
    const three = await wsSubscribe(client, RUNS, { ids: pipelineIds(1, 'live-c3') }).ended;
    expect(JSON.stringify(three)).toContain('LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION');
    expect(JSON.stringify(three)).toContain('OPERATION_LIMIT_EXCEEDED');
    one.stop();
    two.stop();
    await client.dispose();
  });

  it('key scopes apply to subscriptions: another project is FORBIDDEN on both transports, no upstream call', async () => {
    gw.sims.pipeline.resetCalls();
    const other = id32('live-other-project');
    const query = `subscription($p: ID, $ids: [ID!]!) { pipelineRuns(projectId: $p, ids: $ids) { id } }`;
    const client = wsClient(gw.url, { authorization: bearer });
    const ws = await wsSubscribe(client, query, { p: other, ids: pipelineIds(1, 'live-scope') }).ended;
    expect(ws).toEqual({ how: 'error', error: [expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })] });
    const res = await fetch(`${gw.url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: bearer },
      body: JSON.stringify({ query, variables: { p: other, ids: pipelineIds(1, 'live-scope') } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]?.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(gw.sims.pipeline.callCount()).toBe(0);
    await client.dispose();
  });

  it('a caller token the upstream refuses: UNAUTHENTICATED, then the subscription completes', async () => {
    const [a] = pipelineIds(1, 'live-revoked');
    const client = wsClient(gw.url, { authorization: bearer, xAuthToken: CALLER_TOKEN_ALICE });
    const sub = wsSubscribe(client, RUNS, { ids: [a] });
    await resultsOf(sub, 1);
    gw.sims.identities.revoke(CALLER_TOKEN_ALICE);
    expect(await sub.ended).toEqual({ how: 'complete' });
    expect(sub.results[1]?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await client.dispose();
  });
});

describe('live updates with trusted documents (TRUSTED_DOCUMENTS)', () => {
  let gw: TestGateway;
  let dir: string;
  const listed = `subscription Listed($ids: [ID!]!) { pipelineRuns(ids: $ids) { id latestRun { status } } }`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'live-trusted-'));
    const manifest = path.join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ [createHash('sha256').update(listed).digest('hex')]: listed }));
    gw = await startTestGateway({ env: { LIVE_POLL_INTERVAL_MS: '1000', TRUSTED_DOCUMENTS: manifest } });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('only listed subscriptions run: any other is refused with QUERY_NOT_IN_SAFELIST before an upstream call', async () => {
    gw.sims.pipeline.resetCalls();
    const client = wsClient(gw.url);
    const other = await wsSubscribe(client, RUNS, { ids: pipelineIds(1, 'live-unlisted') }).ended;
    expect(other).toEqual({ how: 'error', error: [expect.objectContaining({ extensions: { code: 'QUERY_NOT_IN_SAFELIST' } })] });
    expect(gw.sims.pipeline.callCount()).toBe(0);
    const ok = sseSubscribe(gw.url, listed, { ids: pipelineIds(1, 'live-listed') });
    expect((await resultsOf(ok, 1))[0]?.errors).toBeUndefined();
    ok.stop();
    await client.dispose();
  });
});

describe('live updates when Redis is lost', () => {
  let redis: PrivateRedis;
  let sims: SimulatedUpstreams;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    sims = await startSimulators();
    const env = { REDIS_URL: redis.url, CACHE_PREFIX: testPrefix('live-lost'), LIVE_POLL_INTERVAL_MS: '1000' };
    for (let i = 0; i < 2; i++) gateways.push(await startTestGateway({ sims, env, redis: false }));
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await sims.close();
    await redis.stop();
  });

  it('each replica polls for its own subscribers alone, and they keep getting changes', async () => {
    const [id] = pipelineIds(1, 'live-redis-lost');
    sims.pipeline.setRun(PROJECT, id!, run(id!, 'RUNNING', 1));
    const clients = gateways.map((gw) => wsClient(gw.url));
    const subs = clients.map((c) => wsSubscribe(c, RUNS, { ids: [id] }));
    for (const s of subs) await resultsOf(s, 1);
    await redis.stop();
    sims.pipeline.setRun(PROJECT, id!, run(id!, 'COMPLETED', 1));
    for (const s of subs) {
      const [, changed] = await resultsOf(s, 2, 6000);
      expect(changed).toEqual({ data: { pipelineRuns: { id, latestRun: { status: 'COMPLETED', runNumber: 1 } } } });
    }
    for (const s of subs) s.stop();
    await Promise.all(clients.map(async (c) => c.dispose()));
  });
});
