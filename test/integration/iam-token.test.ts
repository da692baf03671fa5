import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { deleteTestKeys, startTestGateway, testPrefix, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

const iamCalls = (sims: SimulatedUpstreams) => sims.iam.callCount('/v3/auth/tokens');

describe('IAM token: fetched once, shared through Redis, refreshed once on 401', () => {
  let sims: SimulatedUpstreams;
  const prefix = testPrefix('iam');
  const gateways: TestGateway[] = [];
  const start = async () => {
    const gw = await startTestGateway({ sims, env: { CACHE_PREFIX: prefix } });
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    sims = await startSimulators();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await sims.close();
    await deleteTestKeys(prefix);
  });

  it('40 concurrent requests cause 1 IAM token call; a restarted gateway on the same Redis causes 0 more', async () => {
    sims.iam.setLatency(50);
    const first = await start();
    const ids = pipelineIds(3, 'iam');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        first.query(`query($id: ID!) { pipeline(id: $id) { latestRun { status } } }`, { id: ids[i % 3] }),
      ),
    );
    for (const a of answers) expect(a.body.errors).toBeUndefined();
    expect(iamCalls(sims)).toBe(1);

    await first.close();
    const restarted = await start();
    const again = await restarted.query(`query($id: ID!) { pipeline(id: $id) { id latestRun { status } } }`, { id: ids[0] });
    expect(again.body.errors).toBeUndefined();
    expect(iamCalls(sims)).toBe(1);
    sims.iam.setLatency(0);
  });

  it('two gateway processes starting together on the same Redis log in once between them', async () => {
    const shared = testPrefix('iam-pair');
    const [a, b] = await Promise.all([
      startTestGateway({ sims, env: { CACHE_PREFIX: shared } }),
      startTestGateway({ sims, env: { CACHE_PREFIX: shared } }),
    ]);
    try {
      sims.iam.resetCalls().setLatency(100);
      const q = `{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { id } }`;
      const answers = await Promise.all([...Array(10)].flatMap(() => [a.query(q), b.query(q)]));
      for (const r of answers) expect(r.body.errors).toBeUndefined();
      expect(iamCalls(sims)).toBe(1);
    } finally {
      sims.iam.setLatency(0);
      await a.close();
      await b.close();
      await deleteTestKeys(shared);
    }
  });

  it('an upstream 401 (token revoked) leads to exactly one new login, then success', async () => {
    const gw = await start();
    const q = `{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { latestRun { runNumber } } }`;
    expect((await gw.query(q)).body.errors).toBeUndefined();
    sims.iam.resetCalls();
    sims.pipeline.resetCalls();
    sims.identities.revokeAll();
    const res = await gw.query(`{ pipeline(id: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6") { latestRun { runNumber } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.pipeline).toMatchObject({ latestRun: { runNumber: expect.any(Number) } });
    expect(iamCalls(sims)).toBe(1);
    expect(sims.pipeline.callCount()).toBe(2);
  });

  it('answers UNAUTHENTICATED (upstream iam) when the gateway’s own login is refused, and nothing else breaks', async () => {
    const gw = await startTestGateway({
      sims,
      env: {
        HUAWEI_IAM_USERNAME: 'sim-user',
        HUAWEI_IAM_PASSWORD: 'definitely-wrong-password',
        HUAWEI_IAM_DOMAIN: 'sim-domain',
        HUAWEI_IAM_PROJECT: 'cn-north-4',
      },
    });
    gateways.push(gw);
    const res = await gw.query(`{ gatewayInfo { simulated } pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { id } }`);
    expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, pipeline: null });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: 'iam', status: 401 });
    expect(JSON.stringify(res.body)).not.toContain('definitely-wrong-password');
  });
});
