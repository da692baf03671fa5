import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { PrivateRedis } from '../helpers/redis-server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { eventually, readiness } from '../helpers/wait';

/**
 * Redis faults a crash does not show (test/integration/redis-faults.test.ts covers down at start
 * and killed mid-load): a network that silently stops answering (black hole) and one that drops
 * every connection, both through a TCP proxy the test controls. The machine's shared Redis is
 * never touched: a private redis-server sits behind the proxy.
 */
const Q = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } jobs(first: 2) { totalCount } }`;

let sims: SimulatedUpstreams;
let redis: PrivateRedis;
let proxy: TcpProxy;
let gw: TestGateway;
beforeAll(async () => {
  sims = await startSimulators();
  redis = await PrivateRedis.start();
  proxy = await TcpProxy.start({ port: redis.port });
  gw = await startTestGateway({
    sims,
    redis: false,
    env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}/0`, RESULT_CACHE_STALE_SECONDS: '0' },
  });
});
afterAll(async () => {
  await gw.close();
  await proxy.close();
  await redis.stop();
  await sims.close();
});
afterEach(() => proxy.restore());

it('a Redis that stops answering (black hole) costs each query at most the cache command timeout; the cache works again once the network does', async () => {
  const ids = pipelineIds(4, 'blackhole');
  expect((await gw.query(Q, { ids })).body.errors).toBeUndefined();
  proxy.freeze();
  const durations: number[] = [];
  for (let i = 0; i < 4; i++) {
    const started = Date.now();
    const res = await gw.query(Q, { ids: pipelineIds(4, `blackhole-${i}`) });
    durations.push(Date.now() - started);
    expect(res.body.errors).toBeUndefined();
  }
  // Each cache command gives up after 250 ms (a read, then a write): never the upstream deadline.
  expect(Math.max(...durations)).toBeLessThan(1500);

  proxy.restore();
  await eventually(async () => {
    await gw.query(Q, { ids });
    sims.pipeline.resetCalls();
    await gw.query(Q, { ids });
    return sims.pipeline.callCount() === 0;
  });
});

it('a network that drops every Redis connection: answered throughout, /readyz degraded, then ready and caching again without a restart', async () => {
  const ids = pipelineIds(3, 'cut');
  expect((await gw.query(Q, { ids })).body.errors).toBeUndefined();
  proxy.cut();
  await eventually(async () => (await readiness(gw.url)).body.status === 'degraded');
  expect((await readiness(gw.url)).body.cache.state).toBe('down');
  for (let i = 0; i < 5; i++) expect((await gw.query(Q, { ids: pipelineIds(3, `cut-${i}`) })).body.errors).toBeUndefined();

  proxy.restore();
  await eventually(async () => (await readiness(gw.url)).body.status === 'ready');
  await gw.query(Q, { ids });
  sims.pipeline.resetCalls();
  expect((await gw.query(Q, { ids })).body.errors).toBeUndefined();
  expect(sims.pipeline.callCount()).toBe(0);
});
