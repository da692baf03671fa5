import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { CALLER_TOKEN_ALICE, CALLER_TOKEN_BOB } from '../helpers/secrets';
import { SIMULATED } from '../../src/simulators';
import { SEED_PROJECT, repoId } from '../../src/simulators/artifact-seed';

const STATS = /^\/cloudartifact\/v5\/[^/]+\/[^/]+\/[^/]+\/repositories$/;

describe('artifact upstream failures', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      redis: false,
      env: { UPSTREAM_DEADLINE_MS: '400', UPSTREAM_RETRIES: '1', RESULT_CACHE_TTL_SECONDS: '0', UPSTREAM_BREAKER_FAILURES: '1000' },
    });
    gw.sims.identities.accept(CALLER_TOKEN_ALICE, { user: 'alice', projects: new Set([SIMULATED.codeartsProjectId]) });
    gw.sims.identities.accept(CALLER_TOKEN_BOB, { user: 'bob', projects: new Set([SEED_PROJECT]) });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.artifact.clearFaults().resetCalls();
  });

  it('an upstream 403 CR.4102 is FORBIDDEN with upstreamCode; the rest of the answer still comes', async () => {
    const res = await gw.query(
      `query($p: ID) { gatewayInfo { simulated } repositories(projectId: $p) { totalCount } mine: repositories { totalCount } }`,
      { p: SEED_PROJECT },
      { 'X-Auth-Token': CALLER_TOKEN_ALICE },
    );
    expect(res.status).toBe(200);
    expect(res.body.data?.gatewayInfo).toEqual({ simulated: true });
    expect(res.body.data?.repositories).toBeNull();
    expect(res.body.data?.mine).toEqual({ totalCount: expect.any(Number) });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['repositories'],
      extensions: { code: 'FORBIDDEN', upstream: 'artifact', status: 403, upstreamCode: 'CR.4102' },
    });
    expect(res.body.errors?.[0]?.message).toContain('You do not have permissions on the project.');
    // A 4xx is not retried.
    expect(gw.sims.artifact.calls.filter((c) => c.path.includes(SEED_PROJECT))).toHaveLength(1);
  });

  it('CR.4102 inside an HTTP 200 envelope is FORBIDDEN too', async () => {
    gw.sims.artifact.failInEnvelope('CR.4102', 'You do not have permissions on the project.', { times: 1 });
    const res = await gw.query(`{ storageUsage { totalCount } }`);
    expect(res.body.data?.storageUsage).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', upstream: 'artifact', status: 403, upstreamCode: 'CR.4102' });
  });

  it('CR.5000 under HTTP 200 is UPSTREAM_UNAVAILABLE, and a read is retried once before giving up', async () => {
    gw.sims.artifact.failInEnvelope('CR.5000', 'Unknown service error.');
    const res = await gw.query(`{ storageUsage { totalCount } }`);
    expect(res.body.errors?.[0]?.extensions).toEqual({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'artifact',
      status: 500,
      upstreamCode: 'CR.5000',
    });
    expect(gw.sims.artifact.callCount()).toBe(2);
  });

  it("a body whose status is not success is an error even without error_code: the caller's, relayed, not retried", async () => {
    gw.sims.artifact.inject({ kind: 'status', status: 200, json: { status: 'failed', trace_id: 't-1', result: null } });
    const res = await gw.query(`{ followedArtifacts { totalCount } }`);
    expect(res.body.data?.followedArtifacts).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', upstream: 'artifact', status: 400 });
    expect(gw.sims.artifact.callCount()).toBe(1);
  });

  it('"repo exists" in a failed envelope under HTTP 200 is BAD_USER_INPUT with the upstream\'s message', async () => {
    gw.sims.artifact.refuseInEnvelope('repo exists', { times: 1 });
    const res = await gw.query(`mutation { createRepository(input: { format: NPM, name: "twice" }) { ok } }`);
    expect(res.body.data?.createRepository).toBeNull();
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'artifact refused the request: repo exists',
      path: ['createRepository'],
      extensions: { code: 'BAD_USER_INPUT', upstream: 'artifact', status: 400 },
    });
    expect(gw.sims.artifact.callCount()).toBe(1);
  });

  it('an error code the upstream states about the request under HTTP 200 is BAD_USER_INPUT with upstreamCode; a read is not retried', async () => {
    gw.sims.artifact.failInEnvelope('DEV.00011001', 'name exists');
    const res = await gw.query(`{ storageUsage { totalCount } }`);
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'artifact refused the request: name exists',
      extensions: { code: 'BAD_USER_INPUT', upstream: 'artifact', status: 400, upstreamCode: 'DEV.00011001' },
    });
    expect(gw.sims.artifact.callCount()).toBe(1);
  });

  it('failed envelopes never open the breaker: after more refusals than its threshold, the upstream is still called', async () => {
    const strict = await startTestGateway({
      sims: gw.sims,
      redis: false,
      env: { UPSTREAM_BREAKER_FAILURES: '2', RESULT_CACHE_TTL_SECONDS: '0' },
    });
    try {
      gw.sims.artifact.failInEnvelope('DEV.00011001', 'name exists', { times: 3 });
      for (let i = 0; i < 3; i++) {
        const refused = await strict.query(`{ storageUsage { totalCount } }`);
        expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      }
      const ok = await strict.query(`{ storageUsage { totalCount } }`);
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data?.storageUsage).toEqual({ totalCount: expect.any(Number) });
      expect(gw.sims.artifact.callCount()).toBe(4);
      const ready = await fetch(`${strict.url}/readyz`).then((r) => r.json());
      expect(JSON.stringify(ready)).not.toMatch(/"open"/);
    } finally {
      await strict.close();
    }
  });

  it('a failed write is answered null with its error and is not retried', async () => {
    gw.sims.artifact.failInEnvelope('CR.5000', 'Unknown service error.', { httpStatus: 500 });
    const res = await gw.query(`mutation { resetArtifactPassword { ok } }`);
    expect(res.body.data?.resetArtifactPassword).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'artifact',
      status: 500,
      upstreamCode: 'CR.5000',
    });
    expect(gw.sims.artifact.callCount()).toBe(1);
  });

  it('sends Content-Type on bodiless calls too, as the seed requires (the simulator refuses a call without it)', async () => {
    const res = await gw.query(`{ storageUsage { totalCount } }`);
    expect(res.body.errors).toBeUndefined();
    expect(gw.sims.artifact.calls[0]?.headers['content-type']).toBe('application/json;charset=UTF-8');
    const bare = await fetch(`${gw.sims.artifact.url}/cloudartifact/v5/storage`, { headers: { 'x-auth-token': CALLER_TOKEN_ALICE } });
    expect(bare.status).toBe(400);
    expect(await bare.json()).toMatchObject({
      status: 'error',
      error_code: 'CR.4000',
      error_msg: 'Content-Type must be application/json.',
    });
  });

  it('an answer that is not JSON, or not an envelope, is UPSTREAM_BAD_RESPONSE', async () => {
    gw.sims.artifact.inject({ kind: 'garbage' }, { times: 2 });
    const garbage = await gw.query(`{ storageUsage { totalCount } }`);
    expect(garbage.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'artifact' });

    gw.sims.artifact.clearFaults().inject({ kind: 'status', status: 200, json: [{ totalCount: 1 }] });
    const bare = await gw.query(`{ storageUsage { totalCount } }`);
    expect(bare.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'artifact', status: 200 });
  });

  it('an upstream that does not answer within its deadline is UPSTREAM_TIMEOUT', async () => {
    gw.sims.artifact.inject({ kind: 'hang', ms: 1500 });
    const started = Date.now();
    const res = await gw.query(`{ repository(id: "${repoId('conan_5')}") { id } }`);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'artifact' });
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('a failing statistics call nulls only the storage of that repository', async () => {
    // The second statistics call fails (twice: the retry too); the list and the other storages stand.
    gw.sims.artifact.inject(
      { kind: 'status', status: 503 },
      { pathPrefix: `/cloudartifact/v5/${SIMULATED.domainId}/${SIMULATED.codeartsProjectId}/${repoId('conan_6')}` },
    );
    const res = await gw.query(`{ repositories(filter: { format: CONAN }) { nodes { id storage { filesCount } } } }`);
    expect(res.body.data?.repositories).toEqual({
      nodes: [
        { id: repoId('conan_5'), storage: { filesCount: 0 } },
        { id: repoId('conan_6'), storage: null },
        { id: repoId('conan_8'), storage: { filesCount: 0 } },
      ],
    });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['repositories', 'nodes', 1, 'storage'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', status: 503 },
    });
    expect(gw.sims.artifact.calls.filter((c) => STATS.test(c.path))).toHaveLength(4);
  });

  it("never serves one caller's cached repositories to another", async () => {
    const shared = await startTestGateway({ sims: gw.sims, env: { RESULT_CACHE_TTL_SECONDS: '300' } });
    try {
      const q = `query($p: ID) { repositories(projectId: $p, filter: { format: PYPI }) { nodes { id } } }`;
      const bob = await shared.query(q, { p: SEED_PROJECT }, { 'X-Auth-Token': CALLER_TOKEN_BOB });
      expect(bob.body.data?.repositories).toEqual({ nodes: [{ id: repoId('pypi_40') }, { id: repoId('pypi_41') }] });
      gw.sims.artifact.resetCalls();
      const alice = await shared.query(q, { p: SEED_PROJECT }, { 'X-Auth-Token': CALLER_TOKEN_ALICE });
      expect(alice.body.data?.repositories).toBeNull();
      expect(alice.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', upstreamCode: 'CR.4102' });
      expect(gw.sims.artifact.callCount()).toBe(1);
      expect(gw.sims.artifact.calls[0]?.headers['x-auth-token']).toBe(CALLER_TOKEN_ALICE);
    } finally {
      await shared.close();
    }
  });
});
