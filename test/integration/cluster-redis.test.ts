import { RedisCluster } from '../../bench/lib/redis-cluster';
import { cacheKey } from '../../src/cache/cache';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { eventually, readiness } from '../helpers/wait';

const DASHBOARD = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber } } }`;

interface LoadResult {
  ok: number;
  failed: Array<{ status: number; errors: unknown }>;
}

/** `total` queries spread round-robin over the gateways, `concurrency` at a time. */
async function load(
  gateways: TestGateway[],
  total: number,
  concurrency: number,
  variables: (i: number) => Record<string, unknown>,
  onProgress?: (done: number) => void,
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: [] };
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const gw = gateways[i % gateways.length] as TestGateway;
        const res = await gw.query(DASHBOARD, variables(i));
        if (res.status === 200 && !res.body.errors) result.ok += 1;
        else result.failed.push({ status: res.status, errors: res.body.errors });
        onProgress?.(++done);
      }
    }),
  );
  return result;
}

describe('Redis Cluster: 3 gateways share one IAM token and one result cache, and survive losing a master', () => {
  let cluster: RedisCluster;
  let sims: SimulatedUpstreams;
  const gateways: TestGateway[] = [];
  const prefix = testPrefix('cluster');

  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    sims = await startSimulators();
    for (let i = 0; i < 3; i++) {
      gateways.push(
        await startTestGateway({
          sims,
          redis: false,
          env: { REDIS_CLUSTER_NODES: cluster.nodesVariable, CACHE_PREFIX: prefix, UPSTREAM_RETRIES: '2' },
        }),
      );
    }
    // Under load the cluster's slot discovery can outlast the gateway's start-up wait: the
    // one-login claim is about gateways sharing a cache, so wait until all three have it.
    for (const gw of gateways) await eventually(async () => (await readiness(gw.url)).body.cache.state === 'up', 20_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await sims?.close();
    await cluster?.stop();
  }, 30_000);

  it('runs on a real 3-master cluster with one replica per master', async () => {
    const nodes = await cluster.nodes();
    expect(nodes.filter((n) => n.role === 'master')).toHaveLength(3);
    expect(nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
    for (const gw of gateways) expect(gw.gateway.services.cache.kind).toBe('redis-cluster');
  });

  it('300 concurrent requests across the 3 gateways make exactly 1 IAM login in total', async () => {
    sims.iam.resetCalls().setLatency(100);
    sims.pipeline.setLatency(20);
    const ids = pipelineIds(20, 'cluster-iam');
    const res = await load(gateways, 300, 300, () => ({ ids }));
    sims.iam.setLatency(0);
    expect(res.failed).toEqual([]);
    expect(res.ok).toBe(300);
    expect(sims.iam.callCount('/v3/auth/tokens')).toBe(1);
    // Cold, each process coalesces its concurrent identical calls and the cache serves the rest;
    // a request that read the cache just before the first answer was written and asked just
    // after that call ended fetches again, so the bound is loose — but nowhere near 300.
    expect(sims.pipeline.callCount()).toBeLessThan(15);
  });

  it('shares one result cache: what one gateway fetched, the other two answer with no upstream call', async () => {
    const ids = pipelineIds(20, 'cluster-shared');
    sims.pipeline.resetCalls();
    const [a, b, c] = gateways as [TestGateway, TestGateway, TestGateway];
    const first = await a.query(DASHBOARD, { ids });
    expect(first.body.errors).toBeUndefined();
    expect(sims.pipeline.callCount()).toBe(1);
    const [fromB, fromC] = await Promise.all([b.query(DASHBOARD, { ids }), c.query(DASHBOARD, { ids })]);
    expect(fromB.body).toEqual(first.body);
    expect(fromC.body).toEqual(first.body);
    expect(sims.pipeline.callCount()).toBe(1);
  });

  it('killing the master that holds the cache entries mid-load (its replica in sync) fails no query, then the cache serves again', async () => {
    const ids = pipelineIds(20, 'cluster-failover');
    // Warm the entries, then find the master of their hash slot (every key of a scope shares one slot).
    expect((await gateways[0]!.query(DASHBOARD, { ids })).body.errors).toBeUndefined();
    const identity = gateways[0]!.gateway.services.huaweiAuth.for({ callerToken: undefined }).identity;
    const victim = await cluster.masterOf(cacheKey(prefix, 'pipeline-status', identity, 'version'));
    await cluster.waitReplicaInSync(victim);

    const otherIds = pipelineIds(20, 'cluster-failover-cold');
    // Assigned inside the progress callback: typed wide so the compiler does not narrow it to null here.
    let killed = null as Promise<void> | null;
    const res = await load(
      gateways,
      300,
      10,
      (i) => ({ ids: i % 4 === 3 ? otherIds : ids }),
      (done) => {
        if (done === 60) killed = cluster.kill(victim);
      },
    );
    await killed;
    // The cache is an optimisation: Redis failing over costs upstream calls, never an answer.
    expect(res.failed).toEqual([]);
    expect(res.ok).toBe(300);
    expect(sims.iam.callCount('/v3/auth/tokens')).toBe(1);

    // The replica has taken over: the gateways find it and serve from the cache again, no restart.
    await cluster.waitUntilOk(20_000);
    await eventually(async () => {
      await Promise.all(gateways.map((g) => g.query(DASHBOARD, { ids })));
      // Past the 250 ms an in-process answer may linger: only the shared cache can answer now.
      await new Promise((r) => setTimeout(r, 300));
      sims.pipeline.resetCalls();
      const again = await Promise.all(gateways.map((g) => g.query(DASHBOARD, { ids })));
      return again.every((r) => !r.body.errors) && sims.pipeline.callCount() === 0;
    }, 15_000);
  }, 60_000);
});
