import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import Redis from 'ioredis';
import { loadConfig, type GatewayConfig } from '../../src/config';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway';
import { startSimulators, withSimulatedUpstreams, type SimulatedUpstreams } from '../../src/simulators';
import { REDACTED_PATHS, type Logger } from '../../src/observability/logger';
import { logCapture } from './log-capture';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A unique cache prefix per test, so tests sharing the machine's Redis never see each other. */
export function testPrefix(name = 't'): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

/** A logger that writes into the suite-wide capture (checked for secrets) and nowhere else. */
export function captureLogger(level = 'debug'): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logCapture.push(chunk.toString('utf8'));
      cb();
    },
  });
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream);
}

/** Deletes every key a test wrote under `prefix` in the shared Redis (tests clean up after themselves). */
export async function deleteTestKeys(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await Promise.all(keys.map((k) => redis.del(k)));
    } while (cursor !== '0');
  } catch {
    // Redis gone (a fault test): nothing to clean.
  } finally {
    redis.disconnect();
  }
}

export interface TestGateway {
  gateway: Gateway;
  sims: SimulatedUpstreams;
  url: string;
  config: GatewayConfig;
  /** POST /graphql with JSON; answers status, headers and parsed body. */
  query(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  /** POST /graphql with any JSON payload (APQ extensions, a batch, no query at all). */
  post<B = GraphQLResponse['body']>(
    payload: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: B }>;
  close(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  };
}

export interface StartOptions {
  /** Environment variables layered over the defaults (endpoints are set to the simulators). */
  env?: Record<string, string>;
  /** Use the shared Redis with a unique prefix (default true). */
  redis?: boolean;
  /** Reuse already running simulators (several gateways on one set of upstreams). */
  sims?: SimulatedUpstreams;
  deps?: GatewayDeps;
}

/** Simulators + a gateway on free loopback ports, configured like `npm start` would be. */
export async function startTestGateway(options: StartOptions = {}): Promise<TestGateway> {
  const sims = options.sims ?? (await startSimulators());
  const useRedis = options.redis ?? true;
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    SIMULATE: '1',
    LOG_LEVEL: 'debug',
    CACHE_PREFIX: testPrefix(),
    ...(useRedis ? { REDIS_URL: SHARED_REDIS_URL } : {}),
    ...options.env,
  };
  const config = withSimulatedUpstreams(loadConfig(env), sims);
  const gateway = await createGateway(config, { logger: captureLogger(), ...options.deps });
  const url = await gateway.listen();
  async function post<B = GraphQLResponse['body']>(payload: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify(payload),
    });
    const text = await res.text();
    let body: B;
    try {
      body = JSON.parse(text) as B;
    } catch {
      throw new Error(`gateway answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    return { status: res.status, headers: res.headers, body };
  }
  return {
    gateway,
    sims,
    url,
    config,
    query: (query, variables, headers = {}) => post({ query, variables }, headers),
    post,
    async close() {
      await gateway.close();
      if (!options.sims) await sims.close();
      if (useRedis && !options.env?.CACHE_PREFIX) await deleteTestKeys(env.CACHE_PREFIX ?? '');
    },
  };
}
