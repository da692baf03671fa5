import { RedisSentinelSet } from '../../bench/lib/redis-sentinel';
import { ConfigError, loadConfig } from '../../src/config';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { eventually, readiness } from '../helpers/wait';

const Q = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber } } }`;

describe('Redis Sentinel: gateways share IAM token and cache through a Sentinel-managed master, and survive its failover', () => {
  let set: RedisSentinelSet;
  let sims: SimulatedUpstreams;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    set = await RedisSentinelSet.start({ downAfterMs: 1000 });
    sims = await startSimulators();
    const prefix = testPrefix('sentinel');
    for (let i = 0; i < 2; i++) {
      gateways.push(await startTestGateway({ sims, redis: false, env: { REDIS_SENTINELS: set.sentinelsVariable, CACHE_PREFIX: prefix } }));
    }
    // On a loaded machine the Sentinel lookup can outlast the gateway's start-up wait; the
    // single-login claim is about gateways that share a cache, so wait until both have it.
    for (const gw of gateways) await eventually(async () => (await readiness(gw.url)).body.cache.state === 'up', 20_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await sims?.close();
    await set?.stop();
  }, 30_000);

  it('takes REDIS_SENTINELS (+ REDIS_SENTINEL_MASTER) and refuses it beside REDIS_URL', () => {
    expect(loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380', REDIS_SENTINEL_MASTER: 'cache' }).redis).toEqual({
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
      ],
      masterName: 'cache',
    });
    expect(() => loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(ConfigError);
  });

  it('100 concurrent requests over 2 gateways: 1 IAM login, and what one fetched the other serves from the cache', async () => {
    sims.iam.resetCalls().setLatency(100);
    const ids = pipelineIds(20, 'sentinel');
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => gateways[i % 2]!.query(Q, { ids })));
    sims.iam.setLatency(0);
    for (const a of answers) expect(a.body.errors).toBeUndefined();
    expect(sims.iam.callCount('/v3/auth/tokens')).toBe(1);

    const other = pipelineIds(20, 'sentinel-shared');
    sims.pipeline.resetCalls();
    expect((await gateways[0]!.query(Q, { ids: other })).body.errors).toBeUndefined();
    expect((await gateways[1]!.query(Q, { ids: other })).body.errors).toBeUndefined();
    expect(sims.pipeline.callCount()).toBe(1);
  });

  it('killing the master mid-load (its replica in sync) fails no query; after the failover the cache serves again', async () => {
    const ids = pipelineIds(20, 'sentinel-failover');
    await gateways[0]!.query(Q, { ids });
    const master = await set.masterPort();
    await set.waitReplicaInSync(master);

    let failures = 0;
    let done = 0;
    // Assigned inside the worker: typed wide so the compiler does not narrow it to null here.
    let killed = null as Promise<void> | null;
    // Keeps load on both gateways until the sentinel has promoted the replica.
    let failedOver = false;
    const worker = async (gw: TestGateway) => {
      while (!failedOver || done < 100) {
        const res = await gw.query(Q, { ids });
        if (res.status !== 200 || res.body.errors) failures += 1;
        done += 1;
        if (done === 30) killed = set.kill(master);
      }
    };
    const load = Promise.all([0, 1, 0, 1].map((i) => worker(gateways[i]!)));
    while (!killed) await new Promise((r) => setTimeout(r, 10));
    await killed;
    const newMaster = await set.waitFailover(master);
    failedOver = true;
    await load;
    expect(newMaster).not.toBe(master);
    expect(failures).toBe(0);
    expect(sims.iam.callCount('/v3/auth/tokens')).toBe(1);

    await eventually(async () => {
      await Promise.all(gateways.map((g) => g.query(Q, { ids })));
      // Past the 250 ms an in-process answer may linger: only the shared cache can answer now.
      await new Promise((r) => setTimeout(r, 300));
      sims.pipeline.resetCalls();
      const again = await Promise.all(gateways.map((g) => g.query(Q, { ids })));
      return again.every((r) => !r.body.errors) && sims.pipeline.callCount() === 0;
    }, 15_000);
  }, 60_000);
});
