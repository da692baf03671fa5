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

  it('a body whose status is not success is an error even without error_code', async () => {
    gw.sims.artifact.inject({ kind: 'status', status: 200, json: { status: 'failed', trace_id: 't-1', result: null } });
    const res = await gw.query(`{ followedArtifacts { totalCount } }`);
    expect(res.body.data?.followedArtifacts).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'artifact' });
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
      expect(bob.body.data?.repositories).toEqual({ nodes: [{ id: repoId('pypi_41') }] });
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
