import { startTestGateway, type TestGateway } from '../helpers/gateway';

describe('pipeline: the seed example maps field by field', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false });
  });
  afterAll(() => gw.close());

  it('returns status, run number, UTC times, stages and build params of the seed answer', async () => {
    const res = await gw.query(`{
      pipeline(id: "d19799d619424b2bb2625ec2d93ea087") {
        id projectId
        latestRun {
          id pipelineId status runNumber triggerType executorId executorName
          startTime endTime durationSeconds
          stages { name sequence status startTime endTime }
          buildParams { action buildType commitId eventType mergeId message sourceBranch tag targetBranch codehubId gitUrl sourceCodehubId }
          artifactParams { version }
          detailUrl modifyUrl
        }
      }
    }`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.pipeline).toEqual({
      id: 'd19799d619424b2bb2625ec2d93ea087',
      projectId: '54f90b75fc1447b1b65e8d3a9f77923d',
      latestRun: {
        id: 'ad6b7f66283a45be9c1f82b06c831e59',
        pipelineId: 'd19799d619424b2bb2625ec2d93ea087',
        status: 'FAILED',
        runNumber: 2,
        triggerType: 'Manual',
        executorId: '847a5317086c41798469d0868535943a',
        executorName: 'Beta environment account',
        // 1677919688000 / 1677919811000 epoch ms
        startTime: '2023-03-04T08:48:08.000Z',
        endTime: '2023-03-04T08:50:11.000Z',
        durationSeconds: 123,
        // "2023-03-04 16:48:09" has no zone: read in UPSTREAM_TIMEZONE (+08:00)
        stages: [
          { name: 'Phase_1', sequence: 0, status: 'FAILED', startTime: '2023-03-04T08:48:09.000Z', endTime: '2023-03-04T08:50:11.000Z' },
        ],
        buildParams: {
          action: null,
          buildType: 'branch',
          commitId: 'fc93c34f906aeb1cc031e3f6f8b2baeac078ae4b',
          eventType: 'Manual',
          mergeId: null,
          message: 'init',
          sourceBranch: null,
          tag: null,
          targetBranch: 'test-lbdsb11',
          codehubId: '2111699716',
          gitUrl: 'https://example.com/clsyz00001/111.git',
          sourceCodehubId: null,
        },
        artifactParams: null,
        detailUrl: null,
        modifyUrl: null,
      },
    });
  });

  it('reads zone-less stage times in UPSTREAM_TIMEZONE', async () => {
    const utc = await startTestGateway({ redis: false, env: { UPSTREAM_TIMEZONE: 'Z' } });
    try {
      const res = await utc.query(`{ pipeline(id: "d19799d619424b2bb2625ec2d93ea087") { latestRun { startTime stages { startTime } } } }`);
      expect(res.body.data?.pipeline).toEqual({
        latestRun: { startTime: '2023-03-04T08:48:08.000Z', stages: [{ startTime: '2023-03-04T16:48:09.000Z' }] },
      });
    } finally {
      await utc.close();
    }
  });
});
