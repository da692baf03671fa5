import Redis from 'ioredis';
import { RedisCache } from '../../src/cache/redis-cache';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { captureLogger, startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { PrivateRedis } from '../helpers/redis-server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { eventually } from '../helpers/wait';

/**
 * A cold query waits for its upstreams, never for the shared cache: what it fetched is written
 * to Redis, and a fresh IAM token shared (then its login lock released), after the answer has
 * gone out. Shown with a Redis whose network stops forwarding (a TCP proxy the test freezes) just
 * after the query read the cache: the answer still comes, and the writes land once the network
 * does. The commands' own timeout is set far beyond the test, so only the order can explain an
 * answer arriving while Redis is unreachable. The machine's shared Redis is never touched.
 */
const Q = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`;

let sims: SimulatedUpstreams;
let redis: PrivateRedis;
let proxy: TcpProxy;
let direct: Redis;
let gw: TestGateway;
let prefix: string;

beforeAll(async () => {
  sims = await startSimulators();
  redis = await PrivateRedis.start();
  proxy = await TcpProxy.start({ port: redis.port });
  direct = new Redis(redis.url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  direct.disconnect();
  await proxy.close();
  await redis.stop();
  await sims.close();
});
beforeEach(async () => {
  prefix = testPrefix('write-behind');
  const cache = new RedisCache({ target: { url: `redis://127.0.0.1:${proxy.port}/0` }, logger: captureLogger(), commandTimeoutMs: 60_000 });
  gw = await startTestGateway({ sims, redis: false, env: { CACHE_PREFIX: prefix }, deps: { cache } });
});
afterEach(async () => {
  proxy.restore();
  sims.pipeline.setLatency(0);
  sims.iam.setLatency(0);
  await gw.close();
  await gw.gateway.services.cache.close();
});

/** Resolves with the answer, or rejects if it has not come while Redis stayed unreachable. */
async function answeredWhileFrozen<T>(answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('the answer waited for Redis (a cache write or the token lock)')), 10_000);
  });
  try {
    return await Promise.race([answer, waited]);
  } finally {
    clearTimeout(timer);
  }
}

const keysOf = async (pattern: string) => (await direct.keys(`${prefix}:${pattern}`)).length;

it('answers a cold query without waiting for its results to be written to Redis, and the write lands once Redis answers', async () => {
  await gw.query(Q, { ids: pipelineIds(1, 'write-behind-warmup') }); // the IAM login, out of the way
  await gw.gateway.services.results.written();
  const before = await keysOf('{pipeline-status:*}:r:*');
  const ids = pipelineIds(20, 'write-behind');
  sims.pipeline.setLatency(300);
  sims.pipeline.resetCalls();
  const answer = gw.query(Q, { ids });
  // The cache was read (a miss) before the upstream call went out: from here on Redis is unreachable.
  await eventually(async () => sims.pipeline.callCount() === 1);
  proxy.freeze();

  const res = await answeredWhileFrozen(answer);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.pipelines).toHaveLength(20);
  expect(await keysOf('{pipeline-status:*}:r:*')).toBe(before);

  proxy.restore();
  await gw.gateway.services.results.written();
  expect(await keysOf('{pipeline-status:*}:r:*')).toBe(before + 20);
});

it('answers the first query after an IAM login without waiting to share the token or release the login lock', async () => {
  sims.iam.setLatency(300);
  const iamCalls = sims.iam.callCount();
  const answer = gw.query(Q, { ids: pipelineIds(2, 'write-behind-token') });
  // The shared token was looked for and the login lock taken before the login went out.
  await eventually(async () => sims.iam.callCount() === iamCalls + 1);
  proxy.freeze();

  const res = await answeredWhileFrozen(answer);
  expect(res.body.errors).toBeUndefined();
  expect(await keysOf('{iam-token:*}:token')).toBe(0);
  expect(await keysOf('{iam-token:*}:lock')).toBe(1);

  proxy.restore();
  await eventually(async () => (await keysOf('{iam-token:*}:token')) === 1 && (await keysOf('{iam-token:*}:lock')) === 0);
});
