import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SEED_CALL_ID, SEED_RECORDING_ID } from '../../src/simulators/bandwidth';

describe('Bandwidth rate limiting (429 with Retry-After)', () => {
  let gw: TestGateway;
  const q = `query($c: ID!, $r: ID!) { gatewayInfo { simulated } recording(callId: $c, recordingId: $r) { id } }`;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { RESULT_CACHE_TTL_SECONDS: '0' } });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.bandwidth.clearFaults().resetCalls();
  });

  it('waits the Retry-After second, retries once and succeeds', async () => {
    gw.sims.bandwidth.rateLimit(1, { times: 1 });
    const res = await gw.query(q, { c: SEED_CALL_ID, r: SEED_RECORDING_ID });
    expect(res.body).toEqual({ data: { gatewayInfo: { simulated: true }, recording: { id: SEED_RECORDING_ID } } });
    const [first, second] = gw.sims.bandwidth.calls;
    expect(gw.sims.bandwidth.callCount()).toBe(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('a 429 that persists after the wait is UPSTREAM_RATE_LIMITED with retryAfterSeconds; the rest still comes', async () => {
    gw.sims.bandwidth.rateLimit(1);
    const res = await gw.query(q, { c: SEED_CALL_ID, r: SEED_RECORDING_ID });
    expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, recording: null });
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['recording'],
      extensions: { code: 'UPSTREAM_RATE_LIMITED', upstream: 'bandwidth', status: 429, retryAfterSeconds: 1, upstreamCode: 'rate-limit' },
    });
    // One wait, one retry: never a third call.
    expect(gw.sims.bandwidth.callCount()).toBe(2);
  });

  it('a mutation is retried once after the wait too (the 429 means it was not carried out)', async () => {
    gw.sims.bandwidth.rateLimit(1, { times: 1 });
    const res = await gw.query(`mutation($c: ID!) { updateRecordingState(callId: $c, state: PAUSED) { ok } }`, {
      c: 'c-2a913f94-6a486f3a-3cae-4034-bcc3-f0c9fa77ca2f',
    });
    expect(res.body).toEqual({ data: { updateRecordingState: { ok: true } } });
    expect(gw.sims.bandwidth.callCount()).toBe(2);
  });
});
