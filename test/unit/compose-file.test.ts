import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ENDPOINT_VARIABLES, loadConfig, UPSTREAM_NAMES, type UpstreamName } from '../../src/config';
import { createGateway } from '../../src/gateway';
import { SIMULATED, startSimulators } from '../../src/simulators';
import { simulatorPorts } from '../../src/simulators/main';
import { captureLogger, deleteTestKeys, SHARED_REDIS_URL, testPrefix } from '../helpers/gateway';

/**
 * docker-compose.yml, checked without a Docker engine: parsed with a YAML library and held to
 * what the docs promise (services, ports, variables, health checks, start order), then its
 * gateway environment is run for real against the simulators' entry point (hosts mapped to
 * loopback) to prove the variables are complete and the credentials are the ones they know.
 */
const ROOT = path.join(__dirname, '..', '..');

interface Service {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string | number | boolean>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number };
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const { gateway, redis, simulators } = compose.services as Record<'gateway' | 'redis' | 'simulators', Service>;

/** Compose's `${VAR:-default}` with nothing set in the shell: the default. */
function interpolate(value: string | number | boolean): string {
  return String(value).replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}
const gatewayEnv = Object.fromEntries(Object.entries(gateway?.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));

describe('docker-compose.yml', () => {
  it('has the gateway, Redis and the simulators, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'redis', 'simulators']);
    for (const service of [gateway, redis, simulators]) {
      expect(service?.healthcheck?.test?.[0]).toBe('CMD');
      expect(service?.healthcheck?.test?.length).toBeGreaterThan(1);
    }
    expect(gateway?.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:4000/healthz');
    expect(redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(simulators?.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${simulatorPorts(4100).iam}/`);
  });

  it('starts the gateway only once Redis and the simulators are healthy', () => {
    expect(gateway?.depends_on).toEqual({ redis: { condition: 'service_healthy' }, simulators: { condition: 'service_healthy' } });
  });

  it('publishes the gateway on port 4000 and builds both app services from this repository', () => {
    expect(gateway?.ports).toEqual(['4000:4000']);
    expect(gatewayEnv.PORT).toBe('4000');
    expect(gateway?.build).toBe('.');
    expect(simulators?.build).toBe('.');
    expect(simulators?.image).toBe(gateway?.image);
    expect(redis?.image).toMatch(/^redis:\d+\.\d+\.\d+-alpine$/);
  });

  it('runs the simulators entry point on the ports the gateway is pointed at', () => {
    expect(simulators?.command).toEqual(['node', 'dist/src/simulators/main.js']);
    expect(existsSync(path.join(ROOT, 'src', 'simulators', 'main.ts'))).toBe(true);
    const ports = simulatorPorts(Number(simulators?.environment?.SIMULATOR_BASE_PORT));
    expect(simulators?.environment?.SIMULATOR_HOST).toBe('0.0.0.0');
    expect(simulators?.expose).toEqual(Object.values(ports).map(String));
    for (const upstream of UPSTREAM_NAMES) {
      expect([upstream, gatewayEnv[ENDPOINT_VARIABLES[upstream]]]).toEqual([upstream, `http://simulators:${ports[upstream]}`]);
    }
  });

  it('sets the contract’s variables, with the credentials and ids the simulators know', () => {
    expect(gatewayEnv).toMatchObject({
      REDIS_URL: 'redis://redis:6379/0',
      NODE_ENV: 'production',
      HUAWEI_IAM_USERNAME: SIMULATED.iam.username,
      HUAWEI_IAM_PASSWORD: SIMULATED.iam.password,
      HUAWEI_IAM_DOMAIN: SIMULATED.iam.domain,
      HUAWEI_IAM_PROJECT: SIMULATED.iam.project,
      CODEARTS_PROJECT_ID: SIMULATED.codeartsProjectId,
      HUAWEI_PROJECT_ID: SIMULATED.huaweiProjectId,
      HUAWEI_DOMAIN_ID: SIMULATED.domainId,
      BANDWIDTH_USERNAME: SIMULATED.bandwidth.username,
      BANDWIDTH_PASSWORD: SIMULATED.bandwidth.password,
      BANDWIDTH_ACCOUNT_ID: SIMULATED.bandwidth.accountId,
      COMESTRI_API_TOKEN: SIMULATED.comestri.token,
      COMESTRI_EMAIL: SIMULATED.comestri.email,
      UPSTREAM_TIMEZONE: '+08:00',
    });
    expect(Object.keys(gatewayEnv)).toEqual(
      expect.arrayContaining(['GATEWAY_API_KEYS', 'ARTIFACT_EXPOSE_MAVEN_PASSWORDS', 'PIPELINE_BATCH_MAX']),
    );
    // Real upstreams, not the gateway's built-in simulation: SIMULATE is not set.
    expect(gatewayEnv.SIMULATE).toBeUndefined();
    const config = loadConfig(gatewayEnv);
    expect(config.simulation).toBeNull();
    expect(Object.keys(config.endpoints).sort()).toEqual([...UPSTREAM_NAMES].sort());
    expect(config.apiKeys).toEqual([]);
  });

  it('serves every domain when its gateway environment meets the simulators (hosts mapped to loopback)', async () => {
    const sims = await startSimulators();
    const prefix = testPrefix('compose');
    const actual = new Map(Object.entries(sims.endpoints));
    const ports = simulatorPorts(Number(simulators?.environment?.SIMULATOR_BASE_PORT));
    const byPort = new Map(UPSTREAM_NAMES.map((name) => [String(ports[name]), name] as const));
    const env: Record<string, string> = { ...gatewayEnv, PORT: '0', HOST: '127.0.0.1', CACHE_PREFIX: prefix, REDIS_URL: SHARED_REDIS_URL };
    for (const [key, value] of Object.entries(env)) {
      const m = /^http:\/\/simulators:(\d+)$/.exec(value);
      if (m?.[1]) env[key] = actual.get(byPort.get(m[1]) as UpstreamName) ?? 'http://unmapped.invalid';
    }
    const gw = await createGateway(loadConfig(env), { logger: captureLogger() });
    try {
      const url = await gw.listen();
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{
            gatewayInfo { simulated }
            pipelines(ids: ["d19799d619424b2bb2625ec2d93ea087"]) { id }
            softwareDeployments { id }
            repositories(first: 1) { totalCount }
            recordings(first: 1) { totalCount }
            jobs(first: 1) { totalCount }
          }`,
        }),
      });
      const body = (await res.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; path?: string[] }> };
      expect(body.errors?.map((e) => `${e.path?.join('.')}: ${e.message}`) ?? []).toEqual([]);
      expect(body.data?.gatewayInfo).toEqual({ simulated: false });
      for (const field of ['pipelines', 'softwareDeployments', 'repositories', 'recordings', 'jobs'])
        expect(body.data?.[field]).toBeTruthy();
      for (const upstream of ['iam', 'pipeline', 'artifact', 'rts', 'bandwidth', 'comestri'] as const) {
        expect([upstream, sims[upstream].calls.length > 0]).toEqual([upstream, true]);
      }
    } finally {
      await gw.close();
      await sims.close();
      await deleteTestKeys(prefix);
    }
  });
});
