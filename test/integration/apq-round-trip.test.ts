import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { deleteTestKeys, SHARED_REDIS_URL, startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';

/**
 * Automatic persisted queries over HTTP, as Apollo Client's persisted-queries link does it,
 * across TWO gateway processes (two servers on distinct ports) sharing one Redis: a query
 * registered on one is known by hash on the other.
 */
const QUERY = `query PipelineStatus($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber } } }`;
const HASH = createHash('sha256').update(QUERY).digest('hex');
const VARIABLES = { ids: ['d19799d619424b2bb2625ec2d93ea087'] };
const persisted = { persistedQuery: { version: 1, sha256Hash: HASH } };

interface Answer {
  status: number;
  body: {
    data?: { pipelines?: Array<{ id: string; latestRun: { status: string } | null }> } | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

function post(gw: TestGateway, payload: Record<string, unknown>): Promise<Answer> {
  return gw.post<Answer['body']>(payload);
}

describe('automatic persisted queries shared through Redis', () => {
  const prefix = testPrefix('apq');
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    first = await startTestGateway({ env: { CACHE_PREFIX: prefix } });
    second = await startTestGateway({ env: { CACHE_PREFIX: prefix }, sims: first.sims });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await deleteTestKeys(prefix);
  });

  it('hash only → PERSISTED_QUERY_NOT_FOUND → hash + query → hash only works, on either gateway', async () => {
    expect(first.url).not.toBe(second.url);

    const unknown = await post(first, { extensions: persisted, variables: VARIABLES });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(unknown.body.data).toBeUndefined();
    expect(first.sims.pipeline.callCount('/v5/')).toBe(0);

    const registered = await post(first, { query: QUERY, extensions: persisted, variables: VARIABLES });
    expect(registered.status).toBe(200);
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data?.pipelines?.[0]?.latestRun?.status).toBe('FAILED');

    // The other process has never seen the query text: it reads it from Redis by hash.
    const onSecond = await post(second, { extensions: persisted, variables: VARIABLES });
    expect(onSecond.status).toBe(200);
    expect(onSecond.body.errors).toBeUndefined();
    expect(onSecond.body.data).toEqual(registered.body.data);

    const againOnFirst = await post(first, { extensions: persisted, variables: VARIABLES });
    expect(againOnFirst.body.data).toEqual(registered.body.data);
  });

  it('serves a hash-only GET (cacheable by a CDN) on the other gateway', async () => {
    await post(first, { query: QUERY, extensions: persisted, variables: VARIABLES });
    const search = new URLSearchParams({
      extensions: JSON.stringify(persisted),
      variables: JSON.stringify(VARIABLES),
    });
    const res = await fetch(`${second.url}/graphql?${search.toString()}`, {
      // Apollo's CSRF prevention wants a header a plain HTML form cannot send.
      headers: { accept: 'application/graphql-response+json', 'apollo-require-preflight': 'true' },
    });
    const body = (await res.json()) as Answer['body'];
    expect(res.status).toBe(200);
    expect(body.data?.pipelines?.[0]?.id).toBe(VARIABLES.ids[0]);
  });

  it('keeps the registered query in Redis under the gateway prefix with a TTL', async () => {
    const redis = new Redis(SHARED_REDIS_URL, { lazyConnect: true });
    try {
      await redis.connect();
      const key = `${prefix}:apq:${HASH}`;
      expect(await redis.get(key)).toBe(QUERY);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(86_000);
      expect(ttl).toBeLessThanOrEqual(86_400);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a hash that does not match the query it comes with', async () => {
    const wrong = await post(first, {
      query: QUERY,
      extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
      variables: VARIABLES,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors?.[0]?.message).toMatch(/sha does not match/);
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});

describe('persisted queries switched off', () => {
  it('answers PERSISTED_QUERY_NOT_SUPPORTED, and full queries still run', async () => {
    const gw = await startTestGateway({ env: { PERSISTED_QUERIES: 'false' }, redis: false });
    try {
      const res = await post(gw, { extensions: persisted, variables: VARIABLES });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
      const full = await post(gw, { query: QUERY, variables: VARIABLES });
      expect(full.body.data?.pipelines?.[0]?.id).toBe(VARIABLES.ids[0]);
    } finally {
      await gw.close();
    }
  });
});
