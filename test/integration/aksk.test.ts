import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';

describe('AK/SK signing instead of IAM tokens', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { HUAWEI_AK: SIMULATED.aksk.ak, HUAWEI_SK: SIMULATED.aksk.sk } });
  });
  afterAll(() => gw.close());

  it('signs pipeline calls the simulator verifies, and never logs in to IAM', async () => {
    const res = await gw.query(`{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { latestRun { status } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.pipeline).toEqual({ latestRun: { status: 'FAILED' } });
    const call = gw.sims.pipeline.calls[0];
    expect(call?.headers.authorization).toMatch(/^SDK-HMAC-SHA256 Access=SIMAK0+, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$/);
    expect(call?.headers['x-auth-token']).toBeUndefined();
    expect(gw.sims.iam.callCount()).toBe(0);
  });

  it('a wrong secret key is refused upstream as UNAUTHENTICATED', async () => {
    const wrong = await startTestGateway({
      redis: false,
      sims: gw.sims,
      env: { HUAWEI_AK: SIMULATED.aksk.ak, HUAWEI_SK: 'not-the-secret' },
    });
    try {
      const res = await wrong.query(`{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { id } }`);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: 'UNAUTHENTICATED',
        upstream: 'pipeline',
        status: 401,
        upstreamCode: 'APIGW.0301',
      });
    } finally {
      await wrong.close();
    }
  });
});
