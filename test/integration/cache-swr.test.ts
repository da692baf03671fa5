import { startSimulators, SIMULATED, type SimulatedUpstreams } from '../../src/simulators';
import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

const Q = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber } } }`;
const project = SIMULATED.codeartsProjectId;

describe('result cache over real HTTP: coalescing across requests, stale-while-revalidate per upstream', () => {
  let sims: SimulatedUpstreams;
  const gateways: TestGateway[] = [];
  /** The result cache's clock: moved by hand, so a TTL passes without waiting for it. */
  let clock = Date.now();
  const passes = (ms: number) => (clock += ms);
  const start = async (env: Record<string, string> = {}) => {
    const gw = await startTestGateway({ sims, env, deps: { now: () => clock } });
    gateways.push(gw);
    return gw;
  };
  beforeAll(async () => {
    sims = await startSimulators();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await sims.close();
  });
  beforeEach(() => {
    sims.pipeline.resetCalls().setLatency(0);
  });

  it('50 concurrent identical cold queries make one status call between them', async () => {
    const gw = await start();
    await gw.query(`{ pipeline(id: "${SEED_PIPELINE_RUN.pipeline_id}") { id } }`); // IAM login out of the way
    sims.pipeline.resetCalls().setLatency(50);
    const ids = pipelineIds(20, 'coalesce');
    const answers = await Promise.all(Array.from({ length: 50 }, () => gw.query(Q, { ids })));
    for (const a of answers) {
      expect(a.body.errors).toBeUndefined();
      expect(a.body).toEqual(answers[0]!.body);
    }
    expect(sims.pipeline.callCount()).toBe(1);
  });

  it('past the TTL answers the cached run at once and refreshes it once in the background', async () => {
    const gw = await start({ RESULT_CACHE_TTL_SECONDS: '1', RESULT_CACHE_STALE_SECONDS: '30' });
    const [id] = pipelineIds(1, 'swr') as [string];
    const first = await gw.query(Q, { ids: [id] });
    const before = (first.body.data?.pipelines as Array<{ latestRun: { runNumber: number } }>)[0]!.latestRun.runNumber;

    // The pipeline runs again upstream, and the cached answer expires.
    sims.pipeline.setRun(project, id, { ...SEED_PIPELINE_RUN, pipeline_id: id, run_number: before + 1, status: 'RUNNING', end_time: null });
    passes(1100);
    sims.pipeline.resetCalls().setLatency(300);

    const stale = await Promise.all([gw.query(Q, { ids: [id] }), gw.query(Q, { ids: [id] }), gw.query(Q, { ids: [id] })]);
    // The old run, though the upstream now has a newer one: served from the stale entry, not fetched.
    for (const s of stale) expect(s.body).toEqual(first.body);

    await gw.gateway.services.results.idle();
    expect(sims.pipeline.callCount()).toBe(1);
    const fresh = await gw.query(Q, { ids: [id] });
    expect(fresh.body.data).toEqual({ pipelines: [{ id, latestRun: { status: 'RUNNING', runNumber: before + 1 } }] });
    expect(sims.pipeline.callCount()).toBe(1);
  });

  it('an upstream configured with no stale window is fetched again as soon as the TTL passes', async () => {
    const gw = await start({ RESULT_CACHE_TTL_SECONDS: '1', RESULT_CACHE_STALE_SECONDS: '30,pipeline=0' });
    const [id] = pipelineIds(1, 'no-swr') as [string];
    await gw.query(Q, { ids: [id] });
    sims.pipeline.setRun(project, id, { ...SEED_PIPELINE_RUN, pipeline_id: id, run_number: 7, status: 'CANCELED' });
    passes(1100);
    sims.pipeline.resetCalls();
    const res = await gw.query(Q, { ids: [id] });
    expect(res.body.data).toEqual({ pipelines: [{ id, latestRun: { status: 'CANCELED', runNumber: 7 } }] });
    expect(sims.pipeline.callCount()).toBe(1);
  });

  it('after an invalidation (what a mutation does) neither the stale entry nor a refresh in flight is served', async () => {
    const gw = await start({ RESULT_CACHE_TTL_SECONDS: '1', RESULT_CACHE_STALE_SECONDS: '30' });
    const [id] = pipelineIds(1, 'swr-invalidate') as [string];
    await gw.query(Q, { ids: [id] });
    passes(1100);
    sims.pipeline.resetCalls().setLatency(200);
    await gw.query(Q, { ids: [id] }); // stale answer, and a background refresh starts
    for (const until = Date.now() + 5000; sims.pipeline.callCount() === 0 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 10));
    expect(sims.pipeline.callCount()).toBe(1); // the refresh is at the upstream, not answered yet
    const { results, huaweiAuth } = gw.gateway.services;
    const identity = huaweiAuth.for({ callerToken: undefined }).identity;
    await results.invalidate({ namespace: 'pipeline-status', identity });
    sims.pipeline.setRun(project, id, { ...SEED_PIPELINE_RUN, pipeline_id: id, run_number: 99, status: 'PAUSED', end_time: null });
    sims.pipeline.resetCalls().setLatency(0);
    const res = await gw.query(Q, { ids: [id] });
    expect(res.body.data).toEqual({ pipelines: [{ id, latestRun: { status: 'PAUSED', runNumber: 99 } }] });
    expect(sims.pipeline.callCount()).toBe(1);
    await results.idle();
  });
});
