import { createHash } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

/**
 * /metrics after a known workload: every counter the README promises is there with the value
 * that workload must produce (each test gateway has its own registry, so counts are exact).
 */
const IDS = ['d19799d619424b2bb2625ec2d93ea087', '0123456789abcdef0123456789abcdef'];
const QUERY = `query PipelineStatuses($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`;

/** The value of one sample of the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics after a known workload', () => {
  let gw: TestGateway;
  let text: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    // Cold (both ids miss the shared cache, one batched status call), then warm (both hit).
    for (let i = 0; i < 2; i += 1) {
      const res = await gw.query(QUERY, { ids: IDS });
      expect(res.body.errors).toBeUndefined();
    }
    // One operation that fails: a pipeline id the gateway refuses before any upstream call.
    const bad = await gw.query(`query BadId { pipeline(id: "not-an-id") { id } }`);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // One APQ miss, then a registration, then a hit.
    const hash = createHash('sha256').update(QUERY).digest('hex');
    const apq = (withQuery: boolean) =>
      fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          ...(withQuery ? { query: QUERY } : {}),
          variables: { ids: IDS },
          extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
        }),
      }).then((r) => r.json());
    await apq(false);
    await apq(true);
    await apq(false);

    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    text = await res.text();
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('counts and times operations by outcome, under `other` when no trusted document names them', () => {
    // 2 plain + 2 through APQ (the registration and the hit; the miss never resolves an operation).
    // Client-chosen names never become label values (see hostile-client.test.ts for named ones).
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'other', outcome: 'ok' })).toBe(4);
    // BadId, and the APQ miss (PERSISTED_QUERY_NOT_FOUND).
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'other', outcome: 'error' })).toBe(2);
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'PipelineStatuses', outcome: 'ok' })).toBeUndefined();
    expect(sample(text, 'gateway_graphql_operation_duration_seconds_count', { operation: 'other' })).toBe(6);
    expect(sample(text, 'gateway_graphql_operation_duration_seconds_bucket', { operation: 'other', le: '+Inf' })).toBe(6);
    expect(sample(text, 'gateway_http_requests_total', { route: 'graphql', status: '200' })).toBeGreaterThanOrEqual(5);
  });

  it('counts upstream calls by status and times them per upstream', () => {
    // One IAM login, one batched pipeline status call: every later answer came from the cache.
    expect(gw.sims.pipeline.callCount('/v5/')).toBe(1);
    expect(sample(text, 'gateway_upstream_calls_total', { upstream: 'pipeline', status: '200' })).toBe(1);
    expect(sample(text, 'gateway_upstream_calls_total', { upstream: 'iam', status: '201' })).toBe(1);
    expect(sample(text, 'gateway_upstream_call_duration_seconds_count', { upstream: 'pipeline' })).toBe(1);
    expect(sample(text, 'gateway_upstream_call_duration_seconds_bucket', { upstream: 'pipeline', le: '10' })).toBe(1);
  });

  it('counts cache hits and misses by layer', () => {
    expect(sample(text, 'gateway_cache_lookups_total', { layer: 'shared', result: 'miss' })).toBe(2);
    expect(sample(text, 'gateway_cache_lookups_total', { layer: 'shared', result: 'hit' })).toBe(6);
    expect(sample(text, 'gateway_cache_lookups_total', { layer: 'apq', result: 'miss' })).toBe(1);
    expect(sample(text, 'gateway_cache_lookups_total', { layer: 'apq', result: 'hit' })).toBe(1);
  });

  it('records DataLoader batch sizes, breaker states and IAM logins', () => {
    expect(sample(text, 'gateway_dataloader_batch_size_count', { loader: 'pipeline.latestRun' })).toBe(4);
    expect(sample(text, 'gateway_dataloader_batch_size_sum', { loader: 'pipeline.latestRun' })).toBe(8);
    expect(sample(text, 'gateway_upstream_breaker_state', { upstream: 'pipeline' })).toBe(0);
    expect(sample(text, 'gateway_upstream_breaker_state', { upstream: 'iam' })).toBe(0);
    expect(sample(text, 'gateway_iam_token_fetches_total', { outcome: 'success' })).toBe(1);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('never shows a credential', () => {
    expect(text).not.toMatch(/sim-password|MIIsim|Bearer/);
  });
});
