import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { id32 } from '../helpers/ids';
import { CALLER_TOKEN_ALICE, CALLER_TOKEN_BOB } from '../helpers/secrets';
import { SIMULATED } from '../../src/simulators';

describe("a caller's own X-Auth-Token", () => {
  let gw: TestGateway;
  const ALICE_PROJECT = SIMULATED.codeartsProjectId;
  const BOB_PROJECT = id32('bob-project');
  const q = `query($p: ID) { pipeline(projectId: $p, id: "d19799d619424b2bb2625ec2d93ea087") { projectId latestRun { executorName } } }`;

  beforeAll(async () => {
    gw = await startTestGateway();
    gw.sims.identities.accept(CALLER_TOKEN_ALICE, { user: 'alice', projects: new Set([ALICE_PROJECT]) });
    gw.sims.identities.accept(CALLER_TOKEN_BOB, { user: 'bob', projects: new Set([BOB_PROJECT]) });
  });
  afterAll(() => gw.close());

  it('is sent upstream in place of the gateway token, and no IAM login happens', async () => {
    gw.sims.iam.resetCalls();
    gw.sims.pipeline.resetCalls();
    const res = await gw.query(q, { p: ALICE_PROJECT }, { 'X-Auth-Token': CALLER_TOKEN_ALICE });
    expect(res.body.errors).toBeUndefined();
    expect(gw.sims.pipeline.calls[0]?.headers['x-auth-token']).toBe(CALLER_TOKEN_ALICE);
    expect(gw.sims.iam.callCount()).toBe(0);
  });

  it('gives each caller its own answer: what Alice fetched is never served to Bob from the cache', async () => {
    const alice = await gw.query(q, { p: ALICE_PROJECT }, { 'X-Auth-Token': CALLER_TOKEN_ALICE });
    expect(alice.body.data?.pipeline).toEqual({ projectId: ALICE_PROJECT, latestRun: { executorName: 'Beta environment account' } });

    gw.sims.pipeline.resetCalls();
    const bob = await gw.query(q, { p: ALICE_PROJECT }, { 'X-Auth-Token': CALLER_TOKEN_BOB });
    // Bob has no access to Alice's project: the upstream says so, the cache does not leak it.
    expect(gw.sims.pipeline.callCount()).toBe(1);
    expect(bob.body.data?.pipeline).toBeNull();
    expect(bob.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', upstream: 'pipeline', status: 403 });

    const bobOwn = await gw.query(
      `query($p: ID) { pipeline(projectId: $p, id: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6") { latestRun { executorName } } }`,
      { p: BOB_PROJECT },
      { 'X-Auth-Token': CALLER_TOKEN_BOB },
    );
    expect(bobOwn.body.data?.pipeline).toEqual({ latestRun: { executorName: 'bob' } });

    // And the gateway's own identity does not see Bob's cached answer either: it asks upstream.
    gw.sims.pipeline.resetCalls();
    const own = await gw.query(
      `query($p: ID) { pipeline(projectId: $p, id: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6") { latestRun { executorName } } }`,
      { p: BOB_PROJECT },
    );
    expect(own.body.data?.pipeline).toEqual({ latestRun: { executorName: SIMULATED.iam.username } });
    expect(gw.sims.pipeline.callCount()).toBe(1);
  });

  it('an invalid caller token answers UNAUTHENTICATED without a token refresh', async () => {
    gw.sims.iam.resetCalls();
    const res = await gw.query(q, {}, { 'X-Auth-Token': 'MIIcaller-unknown-token-000000000000' });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: 'pipeline', status: 401 });
    expect(gw.sims.iam.callCount()).toBe(0);
  });
});
