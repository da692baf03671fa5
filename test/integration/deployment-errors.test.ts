import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { CALLER_TOKEN_ALICE, CALLER_TOKEN_BOB } from '../helpers/secrets';
import { id32 } from '../helpers/ids';

const PROJECT = SIMULATED.huaweiProjectId;
const LIST = `{ gatewayInfo { simulated } softwareDeployments { id status } }`;

describe('RTS software deployments: Huawei auth, upstream failures, bad input', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { UPSTREAM_DEADLINE_MS: '300', UPSTREAM_RETRIES: '1', UPSTREAM_BREAKER_FAILURES: '1000' } });
    gw.sims.identities.accept(CALLER_TOKEN_ALICE, { user: 'alice', projects: new Set([PROJECT]) });
    gw.sims.identities.accept(CALLER_TOKEN_BOB, { user: 'bob', projects: new Set([id32('bob-rts-project')]) });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.rts.clearFaults().resetCalls();
    gw.sims.iam.resetCalls();
  });

  it('calls RTS with the gateway’s IAM token, logs in once, and serves a warm repeat from the shared cache', async () => {
    const first = await gw.query(LIST);
    expect(first.body.errors).toBeUndefined();
    const call = gw.sims.rts.calls[0];
    expect(call?.headers['x-auth-token']).toMatch(/^MIIsim/);
    expect(gw.sims.iam.callCount()).toBe(1);
    const warm = await gw.query(LIST);
    expect(warm.body).toEqual(first.body);
    expect(gw.sims.rts.callCount()).toBe(1);
  });

  it('logs in again once when RTS refuses an expired token, and answers', async () => {
    gw.sims.identities.revokeAll();
    const res = await gw.query(`{ softwareDeployment(id: "ef422fa5-719a-419e-a10c-72e3a367b0b8") { id status } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.softwareDeployment).toEqual({ id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8', status: 'COMPLETE' });
    expect(gw.sims.rts.callCount()).toBe(2);
    expect(gw.sims.iam.callCount()).toBe(1);
    // revokeAll forgot the callers' tokens too.
    gw.sims.identities.accept(CALLER_TOKEN_ALICE, { user: 'alice', projects: new Set([PROJECT]) });
    gw.sims.identities.accept(CALLER_TOKEN_BOB, { user: 'bob', projects: new Set([id32('bob-rts-project')]) });
  });

  it('uses a caller’s own X-Auth-Token, and never serves what one caller fetched to another', async () => {
    const alice = await gw.query(LIST, undefined, { 'X-Auth-Token': CALLER_TOKEN_ALICE });
    expect(alice.body.errors).toBeUndefined();
    expect(gw.sims.rts.calls[0]?.headers['x-auth-token']).toBe(CALLER_TOKEN_ALICE);
    expect(gw.sims.iam.callCount()).toBe(0);

    const bob = await gw.query(LIST, undefined, { 'X-Auth-Token': CALLER_TOKEN_BOB });
    expect(gw.sims.rts.callCount()).toBe(2);
    expect(bob.body.data).toEqual({ gatewayInfo: { simulated: true }, softwareDeployments: null });
    expect(bob.body.errors?.[0]).toMatchObject({
      path: ['softwareDeployments'],
      extensions: { code: 'FORBIDDEN', upstream: 'rts', status: 403 },
    });
  });

  it('signs with AK/SK when configured, and never logs in to IAM', async () => {
    const signed = await startTestGateway({
      sims: gw.sims,
      redis: false,
      env: { HUAWEI_AK: SIMULATED.aksk.ak, HUAWEI_SK: SIMULATED.aksk.sk },
    });
    try {
      const res = await signed.query(`{ softwareDeployments(serverId: "ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5") { id } }`);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.softwareDeployments).toHaveLength(2);
      expect(gw.sims.rts.calls[0]?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=SIMAK0+, /);
      expect(gw.sims.iam.callCount()).toBe(0);
    } finally {
      await signed.close();
    }
  });

  it('an unreadable element keeps its error when the list is served from the shared cache', async () => {
    const project = id32('rts-unreadable');
    gw.sims.rts.setDeployments(project, [{ status: 'COMPLETE' }, { id: '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d', status: 'FAILED' }]);
    const q = `query($p: ID) { softwareDeployments(projectId: $p) { id status } }`;
    const cold = await gw.query(q, { p: project });
    const warm = await gw.query(q, { p: project });
    expect(gw.sims.rts.callCount()).toBe(1);
    for (const res of [cold, warm]) {
      expect(res.body.data?.softwareDeployments).toEqual([null, { id: '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d', status: 'FAILED' }]);
      expect(res.body.errors?.[0]).toMatchObject({
        path: ['softwareDeployments', 0],
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'rts' },
      });
    }
  });

  it.each([
    [500, 'UPSTREAM_UNAVAILABLE', 2],
    [400, 'BAD_USER_INPUT', 1],
    [401, 'UNAUTHENTICATED', 2],
    [403, 'FORBIDDEN', 1],
    [404, 'NOT_FOUND', 1],
  ])(
    'HTTP %s on the list answers softwareDeployments: null with %s after %s call(s); the rest still comes',
    async (status, code, calls) => {
      gw.sims.rts.inject({ kind: 'status', status, json: { error: { code: `RTS.${status}`, message: 'injected' } } });
      const res = await gw.query(
        `{ gatewayInfo { simulated } softwareDeployments(serverId: "a7f3c2d1-8e9b-4a6c-b5d4-e3f2a1b0c9d8") { id } }`,
      );
      expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, softwareDeployments: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code, upstream: 'rts', status, upstreamCode: `RTS.${status}` } });
      // 5xx reads are retried once; a 401 once after a fresh IAM login.
      expect(gw.sims.rts.callCount()).toBe(calls);
    },
  );

  it('an answer that is not the documented shape is UPSTREAM_BAD_RESPONSE', async () => {
    gw.sims.rts.inject({ kind: 'status', status: 200, json: { deployments: [] } }, { times: 1 });
    const res = await gw.query(`{ softwareDeployments(projectId: "${id32('shape')}") { id } }`);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstream: 'rts' });
  });

  it('an upstream that does not answer within its deadline is UPSTREAM_TIMEOUT', async () => {
    gw.sims.rts.inject({ kind: 'hang', ms: 1000 });
    const res = await gw.query(`{ softwareDeployment(id: "6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d", projectId: "${id32('slow')}") { id } }`);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstream: 'rts' });
  });

  it.each([
    ['a deployment id that is not a UUID', `{ softwareDeployment(id: "../../v3/auth") { id } }`],
    ['a server id that is not a UUID', `{ softwareDeployments(serverId: "server 1") { id } }`],
    ['a project id that is not 32 letters and digits', `{ softwareDeployments(projectId: "proj") { id } }`],
  ])('refuses %s with BAD_USER_INPUT before any upstream call', async (_what, query) => {
    const res = await gw.query(query);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.sims.rts.callCount()).toBe(0);
  });
});
