import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SEED_COMESTRI_JOB } from '../../src/simulators/comestri';

const JOB_FIELDS = 'id requestId entity status percentCompleted operation createdAt updatedAt createdBy errorCount result';

describe('Comestri jobs: what the upstream says, in the contract’s terms', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { RESULT_CACHE_TTL_SECONDS: '0' } });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.comestri.clearFaults().resetCalls();
  });

  it('maps the seed’s job field by field: enums, 0..1, times with offsets in UTC', async () => {
    const res = await gw.query(`{ job(id: "429") { ${JOB_FIELDS} } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.job).toEqual({
      id: '429',
      requestId: '2e2b36a6-e6f7-42ae-a388-e53bfa2626be',
      entity: 'Category',
      status: 'COMPLETE',
      percentCompleted: 1,
      operation: 'insert',
      // 2016-05-30T14:55:57.316+10:00
      createdAt: '2016-05-30T04:55:57.316Z',
      updatedAt: '2016-05-30T04:55:58.671Z',
      createdBy: 'test@fusionfactory.com',
      errorCount: 0,
      result: 'SUCCESS',
    });
    // job(id) is the list call with the id filter.
    expect(gw.sims.comestri.calls).toHaveLength(1);
    expect(gw.sims.comestri.calls[0]?.path).toBe('/api/v2/jobs');
    expect(new URLSearchParams(gw.sims.comestri.calls[0]?.query).get('id')).toBe('429');
  });

  it('sends the contract’s token header', async () => {
    await gw.query(`{ job(id: "429") { id } }`);
    expect(gw.sims.comestri.calls[0]?.headers.authorization).toBe('Token token=sim-comestri-token,email=sim@example.com');
  });

  it('answers null, without an error, for an id no job has (the upstream’s 404)', async () => {
    const res = await gw.query(`{ job(id: "999999") { id } }`);
    expect(res.body).toEqual({ data: { job: null } });
    expect(gw.sims.comestri.callCount()).toBe(1);
  });

  it.each([
    ['request_received', 'Pending', 0, 'REQUEST_RECEIVED', 'PENDING', 0],
    ['fail_to_receive', 'Failure', 0, 'FAIL_TO_RECEIVE', 'FAILURE', 0],
    ['ready_to_process', 'Pending', 0, 'READY_TO_PROCESS', 'PENDING', 0],
    ['processing', 'Pending', 0.42, 'PROCESSING', 'PENDING', 0.42],
    ['fail_to_process', 'Failure', 0.3, 'FAIL_TO_PROCESS', 'FAILURE', 0.3],
    ['canceled', 'Pending', 0.5, 'CANCELED', 'PENDING', 0.5],
    ['complete', 'Success', 1, 'COMPLETE', 'SUCCESS', 1],
    // Values the contract does not know are UNKNOWN, never an error; a percent off the seed's 0..1 scale is null, not guessed.
    ['archived', 'Partial', 55, 'UNKNOWN', 'UNKNOWN', null],
    ['COMPLETE', 'success', 1, 'COMPLETE', 'SUCCESS', 1],
  ])('status %s / result %s / percent %s → %s / %s / %s', async (status, result, percent, wantStatus, wantResult, wantPercent) => {
    gw.sims.comestri.addJob({ ...SEED_COMESTRI_JOB, id: 900001, status, result, percent_completed: percent });
    try {
      const res = await gw.query(`{ job(id: "900001") { status result percentCompleted } }`);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.job).toEqual({ status: wantStatus, result: wantResult, percentCompleted: wantPercent });
    } finally {
      gw.sims.comestri.setJobs(gw.sims.comestri.listed().filter((j) => j.id !== 900001));
    }
  });

  it('reads zone-less times in UPSTREAM_TIMEZONE and leaves absent fields null', async () => {
    gw.sims.comestri.addJob({ id: 900002, status: 'processing', created_at: '2026-10-01 08:00:00' });
    try {
      const res = await gw.query(`{ job(id: "900002") { ${JOB_FIELDS} } }`);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.job).toEqual({
        id: '900002',
        requestId: null,
        entity: null,
        status: 'PROCESSING',
        percentCompleted: null,
        operation: null,
        createdAt: '2026-10-01T00:00:00.000Z',
        updatedAt: null,
        createdBy: null,
        errorCount: null,
        result: null,
      });
    } finally {
      gw.sims.comestri.setJobs(gw.sims.comestri.listed().filter((j) => j.id !== 900002));
    }
  });

  it('a row it cannot read is UPSTREAM_BAD_RESPONSE for that lookup; the rest of the answer still comes', async () => {
    gw.sims.comestri.addJob({ id: 900003, status: { nested: true } });
    try {
      const res = await gw.query(`{ gatewayInfo { simulated } job(id: "900003") { id } }`);
      expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, job: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({ path: ['job'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'comestri' } });
    } finally {
      gw.sims.comestri.setJobs(gw.sims.comestri.listed().filter((j) => j.id !== 900003));
    }
  });
});
