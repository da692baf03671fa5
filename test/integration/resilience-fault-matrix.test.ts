import type { UpstreamName } from '../../src/config';
import type { SimFault, Simulator } from '../../src/simulators/simulator';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

/**
 * The fault matrix: for each upstream, each fault the simulators can inject. The failing
 * upstream's field is null with the contract's code, every other upstream's field still
 * answers, and the gateway stays up. One representative query per data upstream; IAM is
 * exercised through the Huawei fields that need its token.
 */
type DataUpstream = Exclude<UpstreamName, 'iam'>;

const FIELDS: Record<DataUpstream, { root: string; selection: string }> = {
  pipeline: { root: 'pipelines', selection: `pipelines(ids: ${JSON.stringify(pipelineIds(2, 'matrix'))}) { id latestRun { status } }` },
  rts: { root: 'softwareDeployments', selection: 'softwareDeployments { id status }' },
  artifact: { root: 'repositories', selection: 'repositories(first: 2) { totalCount nodes { id } }' },
  bandwidth: { root: 'recordings', selection: 'recordings(first: 2) { totalCount nodes { id } }' },
  comestri: { root: 'jobs', selection: 'jobs(first: 2) { totalCount nodes { id } }' },
};
const HUAWEI: readonly DataUpstream[] = ['pipeline', 'rts', 'artifact'];

const FAULTS: Array<{ name: string; fault: SimFault; code: string }> = [
  { name: 'timeout', fault: { kind: 'hang', ms: 1500 }, code: 'UPSTREAM_TIMEOUT' },
  { name: '5xx', fault: { kind: 'status', status: 503 }, code: 'UPSTREAM_UNAVAILABLE' },
  { name: 'connection reset', fault: { kind: 'reset' }, code: 'UPSTREAM_UNAVAILABLE' },
  { name: 'garbage JSON', fault: { kind: 'garbage' }, code: 'UPSTREAM_BAD_RESPONSE' },
  { name: '429', fault: { kind: 'rate-limit', retryAfterSeconds: 0 }, code: 'UPSTREAM_RATE_LIMITED' },
];

const ENV = {
  UPSTREAM_DEADLINE_MS: '400',
  UPSTREAM_RETRIES: '1',
  UPSTREAM_RETRY_BACKOFF_MS: '10',
  UPSTREAM_BREAKER_FAILURES: '1000',
  RESULT_CACHE_TTL_SECONDS: '0',
  RESULT_CACHE_STALE_SECONDS: '0',
};

let sims: SimulatedUpstreams;
let gw: TestGateway;
/** Upstreams whose domain has landed (its field answers data when nothing is wrong). */
let present: DataUpstream[] = [];

function queryOf(upstreams: readonly DataUpstream[]): string {
  return `{ gatewayInfo { version } ${upstreams.map((u) => FIELDS[u].selection).join(' ')} }`;
}

function simOf(name: UpstreamName): Simulator {
  return (sims as unknown as Record<UpstreamName, Simulator>)[name];
}

function expectOnlyFailing(res: GraphQLResponse, failing: readonly DataUpstream[], upstream: UpstreamName, code: string): void {
  expect(res.status).toBe(200);
  const data = res.body.data ?? {};
  expect(data.gatewayInfo).toEqual({ version: expect.any(String) });
  for (const u of present) {
    const root = FIELDS[u].root;
    const errors = (res.body.errors ?? []).filter((e) => e.path?.[0] === root);
    if (failing.includes(u)) {
      expect({ upstream: u, value: data[root] }).toEqual({ upstream: u, value: null });
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.extensions).toMatchObject({ code, upstream });
    } else {
      expect({ upstream: u, errors }).toEqual({ upstream: u, errors: [] });
      expect({ upstream: u, answered: data[root] !== null && data[root] !== undefined }).toEqual({ upstream: u, answered: true });
    }
  }
}

async function healthy(url: string): Promise<boolean> {
  return (await fetch(`${url}/healthz`)).status === 200;
}

beforeAll(async () => {
  sims = await startSimulators();
  gw = await startTestGateway({ sims, redis: false, env: ENV });
  const all = Object.keys(FIELDS) as DataUpstream[];
  const baseline = await gw.query(queryOf(all));
  present = all.filter((u) => {
    const root = FIELDS[u].root;
    const value = baseline.body.data?.[root];
    return value !== null && value !== undefined && !(baseline.body.errors ?? []).some((e) => e.path?.[0] === root);
  });
  // Every domain this matrix knows has landed; a missing one would be a silent gap.
  expect(present.sort()).toEqual([...all].sort());
});
afterAll(async () => {
  await gw.close();
  await sims.close();
});
afterEach(() => {
  for (const s of sims.all()) s.clearFaults().setLatency(0);
});

describe.each(Object.keys(FIELDS) as DataUpstream[])('fault matrix: %s', (upstream) => {
  it.each(FAULTS)('$name: only its field fails, with $code; the others answer; the gateway stays up', async ({ fault, code }) => {
    if (!present.includes(upstream)) return;
    simOf(upstream).inject(fault);
    const res = await gw.query(queryOf(present));
    expectOnlyFailing(res, [upstream], upstream, code);
    simOf(upstream).clearFaults();
    expect(await healthy(gw.url)).toBe(true);
    // And it recovers at once: the next query is whole.
    const again = await gw.query(queryOf(present));
    expect(again.body.errors).toBeUndefined();
  });
});

describe('fault matrix: iam (the token the Huawei upstreams need)', () => {
  it.each(FAULTS)('$name: the Huawei fields fail naming iam with $code; Bandwidth and Comestri answer', async ({ fault, code }) => {
    // A fresh gateway holds no token yet, so the fault meets the login.
    const fresh = await startTestGateway({ sims, redis: false, env: ENV });
    try {
      sims.iam.inject(fault);
      const res = await fresh.query(queryOf(present));
      expectOnlyFailing(
        res,
        HUAWEI.filter((u) => present.includes(u)),
        'iam',
        code,
      );
      expect(await healthy(fresh.url)).toBe(true);
    } finally {
      sims.iam.clearFaults();
      await fresh.close();
    }
  });
});
