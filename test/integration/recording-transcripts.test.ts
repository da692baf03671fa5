import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { SEED_CALL_ID, SEED_MP3_RECORDING_ID, SEED_RECORDING_ID, SIM_OUTBOUND_CALL_ID } from '../../src/simulators/bandwidth';

const ACCOUNT = SIMULATED.bandwidth.accountId;
const transcriptCalls = (gw: TestGateway) =>
  gw.sims.bandwidth.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/transcription')).length;

describe('Bandwidth recordings: transcripts', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.bandwidth.clearFaults().resetCalls();
  });

  it('fetches no transcript when the query does not ask for it', async () => {
    const res = await gw.query(`query($c: ID!) { callRecordings(callId: $c) { id transcription { status } } }`, { c: SEED_CALL_ID });
    expect(res.body.errors).toBeUndefined();
    expect(transcriptCalls(gw)).toBe(0);
  });

  it('two recordings asking transcript: two transcript calls at most, then none on a warm cache', async () => {
    const q = `query($c: ID!) { callRecordings(callId: $c) { id channels transcript { text segments { text confidence speaker } } } }`;
    const cold = await gw.query(q, { c: SEED_CALL_ID });
    expect(cold.body.errors).toBeUndefined();
    expect(cold.body.data?.callRecordings).toEqual([
      {
        id: SEED_RECORDING_ID,
        channels: 2,
        transcript: {
          // Two channels: the caller first, then what the application played.
          text: 'Hi, I would like to check the status of my order.\nThank you for calling. This call may be recorded for quality purposes.',
          segments: [
            { text: 'Hi, I would like to check the status of my order.', confidence: 0.92, speaker: null },
            { text: 'Thank you for calling. This call may be recorded for quality purposes.', confidence: 0.98, speaker: null },
          ],
        },
      },
      {
        id: SEED_MP3_RECORDING_ID,
        channels: 1,
        transcript: {
          text: 'The order number is four two seven one.',
          segments: [{ text: 'The order number is four two seven one.', confidence: 0.87, speaker: null }],
        },
      },
    ]);
    expect(transcriptCalls(gw)).toBeLessThanOrEqual(2);

    gw.sims.bandwidth.resetCalls();
    const warm = await gw.query(q, { c: SEED_CALL_ID });
    expect(warm.body).toEqual(cold.body);
    expect(transcriptCalls(gw)).toBe(0);
    expect(gw.sims.bandwidth.callCount()).toBe(0);
  });

  it('the same transcript asked through two fields is fetched once', async () => {
    const res = await gw.query(
      `query($c: ID!, $r: ID!) { a: recording(callId: $c, recordingId: $r) { transcript { text } } b: recording(callId: $c, recordingId: $r) { transcript { text } } }`,
      { c: 'c-twice', r: 'r-twice' },
    );
    expect(res.body.data).toEqual({ a: null, b: null });
    gw.sims.bandwidth.addRecording({
      callId: 'c-twice',
      recordingId: 'r-twice',
      seconds: 4,
      startTime: '2023-05-01T00:00:00Z',
      transcripts: [{ text: 'Once.', confidence: 0.5 }],
    });
    gw.sims.bandwidth.resetCalls();
    const again = await gw.query(
      `query($c: ID!, $r: ID!) { a: recording(callId: $c, recordingId: $r) { transcript { text } } b: recording(callId: $c, recordingId: $r) { transcript { text } } }`,
      { c: 'c-twice', r: 'r-twice' },
    );
    expect(again.body.data).toEqual({ a: { transcript: { text: 'Once.' } }, b: { transcript: { text: 'Once.' } } });
    expect(transcriptCalls(gw)).toBe(1);
  });

  it('answers a null transcript, without calling, for a recording never transcribed', async () => {
    const res = await gw.query(`query($c: ID!) { callRecordings(callId: $c) { transcription { id } transcript { text } } }`, {
      c: SIM_OUTBOUND_CALL_ID,
    });
    expect(res.body).toEqual({ data: { callRecordings: [{ transcription: null, transcript: null }] } });
    expect(transcriptCalls(gw)).toBe(0);
  });

  it('a failing transcript call nulls only the transcript', async () => {
    gw.sims.bandwidth.addRecording({
      callId: 'c-tfail',
      recordingId: 'r-tfail',
      seconds: 4,
      startTime: '2023-05-02T00:00:00Z',
      transcripts: [{ text: 'Hidden.', confidence: 0.5 }],
    });
    gw.sims.bandwidth.inject(
      { kind: 'status', status: 503, json: { type: 'service-unavailable', description: 'try later' } },
      { pathPrefix: `/accounts/${ACCOUNT}/calls/c-tfail/recordings/r-tfail/transcription` },
    );
    const res = await gw.query(`{ recording(callId: "c-tfail", recordingId: "r-tfail") { id transcript { text } } }`);
    expect(res.body.data).toEqual({ recording: { id: 'r-tfail', transcript: null } });
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['recording', 'transcript'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'bandwidth', status: 503, upstreamCode: 'service-unavailable' },
    });
  });
});
