import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

describe('pipeline upstream failures', () => {
  let gw: TestGateway;
  const q = `query($ids: [ID!]!) { gatewayInfo { simulated } pipelines(ids: $ids) { id latestRun { status } } }`;
  beforeAll(async () => {
    gw = await startTestGateway({
      redis: false,
      env: { UPSTREAM_DEADLINE_MS: '300', UPSTREAM_RETRIES: '1', RESULT_CACHE_TTL_SECONDS: '0', UPSTREAM_BREAKER_FAILURES: '1000' },
    });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.pipeline.clearFaults().resetCalls();
  });

  it('a 500 answers UPSTREAM_UNAVAILABLE with upstream pipeline and status 500; the rest of the answer still comes', async () => {
    gw.sims.pipeline.inject({ kind: 'status', status: 500, json: { error_code: 'DEVPIPE.00011500', error_msg: 'internal error' } });
    const res = await gw.query(q, { ids: pipelineIds(3, 'err') });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, pipelines: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['pipelines'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'pipeline', status: 500, upstreamCode: 'DEVPIPE.00011500' },
    });
    // A read is retried (UPSTREAM_RETRIES=1) before giving up.
    expect(gw.sims.pipeline.callCount()).toBe(2);
  });

  it('a transient 500 is retried and succeeds', async () => {
    gw.sims.pipeline.inject({ kind: 'status', status: 503 }, { times: 1 });
    const res = await gw.query(q, { ids: pipelineIds(2, 'transient') });
    expect(res.body.errors).toBeUndefined();
    expect(gw.sims.pipeline.callCount()).toBe(2);
  });

  it('an answer that is not JSON is UPSTREAM_BAD_RESPONSE', async () => {
    gw.sims.pipeline.inject({ kind: 'garbage' });
    const res = await gw.query(q, { ids: pipelineIds(1, 'garbage') });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'pipeline' });
  });

  it('an upstream that does not answer within its deadline is UPSTREAM_TIMEOUT', async () => {
    gw.sims.pipeline.inject({ kind: 'hang', ms: 1000 });
    const started = Date.now();
    const res = await gw.query(q, { ids: pipelineIds(1, 'slow') });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'pipeline' });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('a reset connection is UPSTREAM_UNAVAILABLE', async () => {
    gw.sims.pipeline.inject({ kind: 'reset' });
    const res = await gw.query(q, { ids: pipelineIds(1, 'reset') });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'pipeline' });
  });

  it('a 429 is retried once after Retry-After; a persisting 429 is UPSTREAM_RATE_LIMITED with retryAfterSeconds', async () => {
    gw.sims.pipeline.inject({ kind: 'rate-limit', retryAfterSeconds: 0 }, { times: 1 });
    const ok = await gw.query(q, { ids: pipelineIds(1, 'rl-ok') });
    expect(ok.body.errors).toBeUndefined();
    expect(gw.sims.pipeline.callCount()).toBe(2);

    gw.sims.pipeline.resetCalls().inject({ kind: 'rate-limit', retryAfterSeconds: 0 });
    const limited = await gw.query(q, { ids: pipelineIds(1, 'rl-no') });
    expect(limited.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      upstream: 'pipeline',
      retryAfterSeconds: 0,
    });
  });

  it('a row the gateway cannot read fails only that pipeline', async () => {
    const [good, bad] = pipelineIds(2, 'row');
    gw.sims.pipeline.setRun(gw.config.huawei.codeartsProjectId!, bad!, { pipeline_id: bad, status: 42 } as never);
    const res = await gw.query(q, { ids: [good, bad] });
    expect(res.body.data?.pipelines).toEqual([
      { id: good, latestRun: { status: expect.any(String) } },
      { id: bad, latestRun: null },
    ]);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({ path: ['pipelines', 1, 'latestRun'], extensions: { code: 'UPSTREAM_BAD_RESPONSE' } });
  });
});
