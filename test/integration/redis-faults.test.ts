import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { freePort, PrivateRedis } from '../helpers/redis-server';
import { eventually, readiness } from '../helpers/wait';

describe('Redis faults: the cache is an optimisation, never a point of failure', () => {
  let sims: SimulatedUpstreams;
  beforeAll(async () => {
    sims = await startSimulators();
  });
  afterAll(() => sims.close());

  it('starts and answers with Redis down from the start; /readyz says degraded (200)', async () => {
    const port = await freePort();
    const gw = await startTestGateway({ sims, redis: false, env: { REDIS_URL: `redis://127.0.0.1:${port}/0` } });
    try {
      const res = await gw.query(`query($ids: [ID!]!) { pipelines(ids: $ids) { latestRun { status } } }`, { ids: pipelineIds(3, 'down') });
      expect(res.body.errors).toBeUndefined();
      const ready = await readiness(gw.url);
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('degraded');
      expect(ready.body.cache.state).toBe('down');
    } finally {
      await gw.close();
    }
  });

  it('keeps answering when Redis is lost mid-load, and uses the cache again once it is back, without a restart', async () => {
    const redis = await PrivateRedis.start();
    const gw = await startTestGateway({ sims, redis: false, env: { REDIS_URL: redis.url } });
    const ids = pipelineIds(5, 'midload');
    const q = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`;
    try {
      expect((await gw.query(q, { ids })).body.errors).toBeUndefined();

      const load = (async () => {
        const answers = [];
        for (let i = 0; i < 30; i++) answers.push(await gw.query(q, { ids }));
        return answers;
      })();
      await new Promise((r) => setTimeout(r, 20));
      await redis.stop();
      const answers = await load;
      for (const a of answers) expect(a.body.errors).toBeUndefined();
      await eventually(async () => (await readiness(gw.url)).body.status === 'degraded');

      // Every query still answered with Redis gone, straight from the upstream.
      sims.pipeline.resetCalls();
      expect((await gw.query(q, { ids })).body.errors).toBeUndefined();
      expect(sims.pipeline.callCount()).toBe(1);

      await redis.resume();
      await eventually(async () => (await readiness(gw.url)).body.status === 'ready');
      // Served from the cache again (no upstream call) once a query has refilled it; on a
      // loaded machine a slow Redis command may still read as a miss, hence the few tries.
      await eventually(async () => {
        await gw.query(q, { ids });
        sims.pipeline.resetCalls();
        const again = await gw.query(q, { ids });
        return again.body.errors === undefined && sims.pipeline.callCount() === 0;
      });
    } finally {
      await gw.close();
      await redis.stop();
    }
  });
});
