import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

const APP = 'https://app.example.com';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw HTTP exchange: fetch would hide content-encoding and refuse some methods. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };

let sims: SimulatedUpstreams;
let gw: TestGateway;
beforeAll(async () => {
  sims = await startSimulators();
  gw = await startTestGateway({ sims, redis: false, env: { CORS_ORIGINS: `${APP},http://localhost:3000` } });
});
afterAll(async () => {
  await gw.close();
  await sims.close();
});
afterEach(() => {
  for (const s of sims.all()) s.resetCalls().clearFaults();
});

describe('CORS from CORS_ORIGINS', () => {
  it('answers an allowed origin’s preflight with 204 and the headers a GraphQL client sends', async () => {
    const res = await raw(`${gw.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    for (const h of ['authorization', 'content-type', 'apollo-require-preflight', 'x-auth-token']) {
      expect(res.headers['access-control-allow-headers']).toContain(h);
    }
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers.vary).toContain('Origin');
  });

  it('gives another origin no CORS header, preflight or not, so browsers keep the answer from it', async () => {
    const preflight = await raw(`${gw.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const post = await raw(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, origin: 'https://evil.example' },
      body: JSON.stringify({ query: '{ gatewayInfo { version } }' }),
    });
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an allowed origin’s request gets its origin back and can read X-Request-Id', async () => {
    const res = await raw(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, origin: APP },
      body: JSON.stringify({ query: '{ gatewayInfo { version } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toContain('x-request-id');
  });
});

describe('response compression', () => {
  const big = JSON.stringify({
    query: `query($ids: [ID!]!) { pipelines(ids: $ids) { id projectId latestRun { status stages { name status } } } }`,
    variables: { ids: pipelineIds(30, 'gzip') },
  });

  it('brotli when accepted (preferred), gzip otherwise; the content is the same', async () => {
    const br = await raw(`${gw.url}/graphql`, { method: 'POST', headers: { ...JSON_HEADERS, 'accept-encoding': 'gzip, br' }, body: big });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('Accept-Encoding');
    const fromBr = JSON.parse(brotliDecompressSync(br.body).toString('utf8')) as { data: { pipelines: unknown[] } };
    expect(fromBr.data.pipelines).toHaveLength(30);

    const gz = await raw(`${gw.url}/graphql`, { method: 'POST', headers: { ...JSON_HEADERS, 'accept-encoding': 'gzip' }, body: big });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.body).toString('utf8'))).toEqual(fromBr);
    expect(gz.body.length).toBeLessThan(gunzipSync(gz.body).length / 3);
  });

  it('leaves small answers and clients that do not accept it alone', async () => {
    const small = await raw(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'accept-encoding': 'gzip, br' },
      body: JSON.stringify({ query: '{ gatewayInfo { version } }' }),
    });
    expect(small.headers['content-encoding']).toBeUndefined();
    const refused = await raw(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'accept-encoding': 'gzip;q=0, identity' },
      body: big,
    });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8'))).toHaveProperty('data.pipelines');
  });
});

describe('operation limits over HTTP: refused with 400 before any upstream call', () => {
  it('too deep', async () => {
    const own = await startTestGateway({ sims, redis: false, env: { OPERATION_MAX_DEPTH: '3' } });
    try {
      const res = await own.query(`{ pipeline(id: "${pipelineIds(1, 'deep')[0]}") { latestRun { stages { name } } } }`);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]).toMatchObject({
        message: 'Operation refused: its depth is 4, more than the gateway allows (3)',
        extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'depth', max: 3, actual: 4 },
      });
      expect(sims.pipeline.callCount() + sims.iam.callCount()).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('too costly: twenty thousand ids in a variable', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => i.toString(16).padStart(32, '0'));
    const res = await gw.query(`query($ids: [ID!]!) { pipelines(ids: $ids) { id } }`, { ids });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost', max: 10000, actual: 20000 });
    expect(sims.pipeline.callCount()).toBe(0);
  });

  it('too many aliases, too many root fields', async () => {
    const aliases = await gw.query(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: gatewayInfo { version }`).join(' ')} }`);
    expect(aliases.status).toBe(400);
    expect(aliases.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'aliases' });
    const roots = await gw.query(`{ ${Array.from({ length: 21 }, () => `gatewayInfo { version }`).join(' ')} }`);
    expect(roots.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'rootFields' });
  });

  it('too many tokens: the parser stops early', async () => {
    const res = await gw.query(`{ gatewayInfo { ${'version '.repeat(5000)} } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(res.body.errors?.[0]?.message).toContain('tokens');
  });

  it('too long a query text', async () => {
    const own = await startTestGateway({ sims, redis: false, env: { OPERATION_MAX_QUERY_BYTES: '300' } });
    try {
      const res = await own.query(`{ gatewayInfo { version } ${' '.repeat(400)} }`);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'queryBytes', max: 300 });
    } finally {
      await own.close();
    }
  });

  it('a request body over REQUEST_MAX_BODY_BYTES is 413', async () => {
    const own = await startTestGateway({ sims, redis: false, env: { REQUEST_MAX_BODY_BYTES: '2048' } });
    try {
      const res = await raw(`${own.url}/graphql`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ query: `{ gatewayInfo { version } }`, variables: { pad: 'x'.repeat(4000) } }),
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body.toString('utf8'))).toEqual({
        errors: [{ message: 'Request body is too large', extensions: { code: 'BAD_REQUEST' } }],
      });
    } finally {
      await own.close();
    }
  });
});

describe('batched HTTP requests', () => {
  const batch = (n: number) => JSON.stringify(Array.from({ length: n }, () => ({ query: '{ gatewayInfo { version } }' })));

  it('are refused unless enabled', async () => {
    const res = await raw(`${gw.url}/graphql`, { method: 'POST', headers: JSON_HEADERS, body: batch(2) });
    expect(res.status).toBe(400);
    expect(res.body.toString('utf8')).toContain('batching');
  });

  it('run when GRAPHQL_BATCHING=true, up to GRAPHQL_BATCH_MAX operations', async () => {
    const own = await startTestGateway({ sims, redis: false, env: { GRAPHQL_BATCHING: 'true', GRAPHQL_BATCH_MAX: '2' } });
    try {
      const ok = await raw(`${own.url}/graphql`, { method: 'POST', headers: JSON_HEADERS, body: batch(2) });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body.toString('utf8'))).toHaveLength(2);
      const tooMany = await raw(`${own.url}/graphql`, { method: 'POST', headers: JSON_HEADERS, body: batch(3) });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.toString('utf8')).toContain('at most 2 operations');
    } finally {
      await own.close();
    }
  });
});

describe('production mode (NODE_ENV=production)', () => {
  let prod: TestGateway;
  beforeAll(async () => {
    prod = await startTestGateway({ sims, redis: false, env: { NODE_ENV: 'production', UPSTREAM_RETRIES: '0' } });
  });
  afterAll(() => prod.close());

  it('refuses introspection unless GRAPHQL_INTROSPECTION=true', async () => {
    const res = await prod.query(`{ __schema { queryType { name } } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('sends no stack trace and no upstream body with an upstream error', async () => {
    sims.pipeline.inject({
      kind: 'status',
      status: 500,
      json: { error_code: 'DEVPIPE.00011500', error_msg: 'internal error', debug: 'stack at Foo.java:42' },
    });
    const res = await prod.query(`{ pipeline(id: "${pipelineIds(1, 'prod')[0]}") { id } }`);
    const error = res.body.errors?.[0];
    expect(error?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'pipeline',
      status: 500,
      upstreamCode: 'DEVPIPE.00011500',
    });
    expect(JSON.stringify(res.body)).not.toContain('Foo.java');
  });

  it('sends no stack trace with a validation error either', async () => {
    const res = await prod.query(`{ noSuchField }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});
