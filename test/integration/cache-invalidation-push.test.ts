import Redis from 'ioredis';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';
import { PrivateRedis } from '../helpers/redis-server';
import { eventually } from '../helpers/wait';

/**
 * Two gateway processes' worth of gateways on one (private) Redis, in the default invalidation
 * mode (`push`): warm reads of hot entries make no Redis round trip, and a mutation made
 * through one gateway is seen by the other's very next read, through Redis pub/sub.
 */
describe('result cache invalidation pushed between gateways (RESULT_CACHE_INVALIDATION=push)', () => {
  let redis: PrivateRedis;
  let admin: Redis;
  let sims: SimulatedUpstreams;
  let a: TestGateway;
  let b: TestGateway;
  let n = 0;

  const read = `query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { id status } }`;
  const remove = `mutation($c: ID!, $r: ID!) { deleteRecording(callId: $c, recordingId: $r) { ok } }`;

  function addRecording(): { c: string; r: string } {
    n += 1;
    const ids = { c: `c-push-${n}`, r: `r-push-${n}` };
    sims.bandwidth.addRecording({
      callId: ids.c,
      recordingId: ids.r,
      seconds: 3,
      startTime: new Date(Date.UTC(2024, 1, 1, 0, n)).toISOString(),
    });
    return ids;
  }

  async function invalidationMode(gw: TestGateway): Promise<string> {
    const body = (await (await fetch(`${gw.url}/readyz`)).json()) as { cache: { invalidation: string } };
    return body.cache.invalidation;
  }

  /** Redis commands that read cache entries or versions, since the last reset. */
  async function cacheReads(): Promise<number> {
    const stats = await admin.info('commandstats');
    return [...stats.matchAll(/cmdstat_(mget|get):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    admin = new Redis(redis.url);
    sims = await startSimulators();
    const env = { REDIS_URL: redis.url, CACHE_PREFIX: testPrefix('push'), RESULT_CACHE_TTL_SECONDS: '60' };
    a = await startTestGateway({ sims, env });
    b = await startTestGateway({ sims, env });
    await eventually(async () => (await invalidationMode(a)) === 'push' && (await invalidationMode(b)) === 'push');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sims?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('serves warm reads without a single Redis read, and a mutation through the other gateway at once', async () => {
    const ids = addRecording();
    // Fetched and cached (the write goes out behind the answer: waited for here), read into the
    // hot layer, then its scope's version learned.
    for (let i = 0; i < 3; i++) {
      expect((await b.query(read, ids)).body.data?.recording).toMatchObject({ id: ids.r });
      await b.gateway.services.results.written();
    }

    await admin.config('RESETSTAT');
    for (let i = 0; i < 10; i++) expect((await b.query(read, ids)).body.data?.recording).toMatchObject({ id: ids.r });
    expect(await cacheReads()).toBe(0);

    const calls = sims.bandwidth.calls.length;
    expect((await a.query(remove, ids)).body).toEqual({ data: { deleteRecording: { ok: true } } });
    // No waiting: the invalidation message reached b before a answered the mutation.
    const after = await b.query(read, ids);
    expect(after.body.data?.recording).toBeNull();
    expect(sims.bandwidth.calls.length).toBeGreaterThan(calls + 1); // b asked Bandwidth again
  });

  it('a lost subscription falls back to reading versions, and resubscribes on its own', async () => {
    const ids = addRecording();
    for (let i = 0; i < 3; i++) await b.query(read, ids);

    // Redis drops every pub/sub connection (as a network cut or a failover would); both
    // gateways subscribe again on their own.
    const subscribers = async () => ((await admin.pubsub('NUMSUB', `${a.config.cachePrefix}:invalidations`)) as [string, number])[1];
    expect(await subscribers()).toBe(2);
    await admin.client('KILL', 'TYPE', 'pubsub');
    expect(await subscribers()).toBe(0);
    await eventually(
      async () => (await subscribers()) === 2 && (await invalidationMode(a)) === 'push' && (await invalidationMode(b)) === 'push',
      5000,
    );

    // Listening again: what it knew before the gap is not trusted, and changes arrive again.
    expect((await b.query(read, ids)).body.data?.recording).toMatchObject({ id: ids.r });
    expect((await a.query(remove, ids)).body.data).toEqual({ deleteRecording: { ok: true } });
    expect((await b.query(read, ids)).body.data?.recording).toBeNull();
  });

  it('RESULT_CACHE_INVALIDATION=check reads the version on every warm read', async () => {
    const strict = await startTestGateway({
      sims,
      env: { REDIS_URL: redis.url, CACHE_PREFIX: testPrefix('check'), RESULT_CACHE_INVALIDATION: 'check' },
    });
    try {
      expect(await invalidationMode(strict)).toBe('check');
      const ids = addRecording();
      for (let i = 0; i < 3; i++) {
        await strict.query(read, ids);
        await strict.gateway.services.results.written();
      }
      await admin.config('RESETSTAT');
      for (let i = 0; i < 5; i++) await strict.query(read, ids);
      expect(await cacheReads()).toBe(5);
    } finally {
      await strict.close();
    }
  });
});
