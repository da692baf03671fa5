import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { SIM_ACTIVE_CALL_ID } from '../../src/simulators/bandwidth';

const ACCOUNT = SIMULATED.bandwidth.accountId;

describe('Bandwidth recordings: mutations', () => {
  let gw: TestGateway;
  let n = 0;
  /** A fresh recording per test, so tests never see each other's changes. */
  function addRecording(options: { transcribed?: boolean } = {}): { c: string; r: string } {
    n += 1;
    const c = `c-mut-${n}`;
    const r = `r-mut-${n}`;
    gw.sims.bandwidth.addRecording({
      callId: c,
      recordingId: r,
      seconds: 12.5,
      startTime: new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString(),
      ...(options.transcribed ? { transcripts: [{ text: `Transcript ${n}.`, confidence: 0.9 }] } : {}),
    });
    return { c, r };
  }
  const read = `query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { id status mediaUrl transcription { status } transcript { text } } }`;

  beforeAll(async () => {
    // The shared cache keeps reads for a minute: only invalidation can make a change visible.
    gw = await startTestGateway({ env: { RESULT_CACHE_TTL_SECONDS: '60' } });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.bandwidth.clearFaults().resetCalls();
  });

  describe('updateRecordingState', () => {
    const m = `mutation($c: ID!, $s: RecordingState!) { updateRecordingState(callId: $c, state: $s) { ok traceId message } }`;

    it('pauses and resumes the recording of an active call (PUT {state}, 200 with an empty body)', async () => {
      const paused = await gw.query(m, { c: SIM_ACTIVE_CALL_ID, s: 'PAUSED' });
      expect(paused.body).toEqual({ data: { updateRecordingState: { ok: true, traceId: null, message: null } } });
      expect(gw.sims.bandwidth.recordingState(ACCOUNT, SIM_ACTIVE_CALL_ID)).toBe('paused');
      const call = gw.sims.bandwidth.calls[0];
      expect(call).toMatchObject({ method: 'PUT', path: `/accounts/${ACCOUNT}/calls/${SIM_ACTIVE_CALL_ID}/recording` });
      expect(JSON.parse(call!.body)).toEqual({ state: 'paused' });
      expect(call?.headers['content-type']).toBe('application/json');

      const resumed = await gw.query(m, { c: SIM_ACTIVE_CALL_ID, s: 'RECORDING' });
      expect(resumed.body.data?.updateRecordingState).toMatchObject({ ok: true });
      expect(gw.sims.bandwidth.recordingState(ACCOUNT, SIM_ACTIVE_CALL_ID)).toBe('recording');
    });

    it('a call that is not in progress answers null with NOT_FOUND', async () => {
      const res = await gw.query(m, { c: 'c-finished-long-ago', s: 'PAUSED' });
      expect(res.body.data).toEqual({ updateRecordingState: null });
      expect(res.body.errors?.[0]).toMatchObject({
        path: ['updateRecordingState'],
        extensions: { code: 'NOT_FOUND', upstream: 'bandwidth', status: 404, upstreamCode: 'not-found' },
      });
    });

    it('an unknown state is refused by GraphQL itself, before any upstream call', async () => {
      const res = await gw.query(`mutation { updateRecordingState(callId: "c-1", state: STOPPED) { ok } }`);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(gw.sims.bandwidth.callCount()).toBe(0);
    });
  });

  describe('requestTranscription', () => {
    const m = `mutation($c: ID!, $r: ID!, $i: TranscriptionRequestInput) { requestTranscription(callId: $c, recordingId: $r, input: $i) { ok } }`;

    it('POSTs the TranscribeRecording body (204); the new transcript is read fresh, not from the cache', async () => {
      const { c, r } = addRecording();
      const before = await gw.query(read, { c, r });
      expect(before.body.data?.recording).toMatchObject({ transcription: null, transcript: null });

      const input = {
        callbackUrl: 'https://example.com/transcribed',
        callbackMethod: 'POST',
        username: 'hook-user',
        password: 'hook-password-not-logged',
        tag: 'order-4271',
        callbackTimeout: 5.5,
        detectLanguage: true,
      };
      const res = await gw.query(m, { c, r, i: input });
      expect(res.body).toEqual({ data: { requestTranscription: { ok: true } } });
      const post = gw.sims.bandwidth.calls.find((call) => call.method === 'POST');
      expect(post?.path).toBe(`/accounts/${ACCOUNT}/calls/${c}/recordings/${r}/transcription`);
      expect(JSON.parse(post!.body)).toEqual(input);

      const after = await gw.query(read, { c, r });
      expect(after.body.data?.recording).toMatchObject({
        transcription: { status: 'available' },
        transcript: { text: 'Hello, I am calling about my order. It has not arrived yet.' },
      });
    });

    it.each([
      ['a callbackUrl that is not absolute http(s)', { callbackUrl: 'ftp://example.com/x' }, 'input.callbackUrl'],
      ['a callbackMethod other than GET or POST', { callbackMethod: 'PUT' }, 'input.callbackMethod'],
      ['a callbackTimeout above 25 s', { callbackTimeout: 30 }, 'input.callbackTimeout'],
      ['a tag longer than 256 characters', { tag: 'x'.repeat(257) }, 'input.tag'],
    ])('refuses %s before any upstream call', async (_what, input, argument) => {
      const res = await gw.query(m, { c: 'c-1', r: 'r-1', i: input });
      expect(res.body.data).toEqual({ requestTranscription: null });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(gw.sims.bandwidth.callCount()).toBe(0);
    });

    it('a recording that does not exist answers null with NOT_FOUND', async () => {
      const res = await gw.query(m, { c: 'c-nope', r: 'r-nope' });
      expect(res.body.data).toEqual({ requestTranscription: null });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: 'bandwidth', status: 404 });
    });
  });

  describe('deletions', () => {
    it('deleteRecording (204): the deleted recording is not served from the cache, nor listed', async () => {
      const { c, r } = addRecording({ transcribed: true });
      const warm = await gw.query(read, { c, r });
      expect(warm.body.data?.recording).toMatchObject({ id: r, transcript: { text: expect.any(String) } });
      const listed = await gw.query(`query($c: ID!) { callRecordings(callId: $c) { id } }`, { c });
      expect(listed.body.data?.callRecordings).toEqual([{ id: r }]);

      const res = await gw.query(`mutation($c: ID!, $r: ID!) { deleteRecording(callId: $c, recordingId: $r) { ok } }`, { c, r });
      expect(res.body).toEqual({ data: { deleteRecording: { ok: true } } });
      expect(gw.sims.bandwidth.calls.find((call) => call.method === 'DELETE')?.path).toBe(
        `/accounts/${ACCOUNT}/calls/${c}/recordings/${r}`,
      );

      gw.sims.bandwidth.resetCalls();
      const gone = await gw.query(read, { c, r });
      expect(gone.body).toEqual({ data: { recording: null } });
      expect(gw.sims.bandwidth.callCount()).toBe(1);
      const unlisted = await gw.query(`query($c: ID!) { callRecordings(callId: $c) { id } }`, { c });
      expect(unlisted.body.data?.callRecordings).toEqual([]);
    });

    it('deleteRecordingMedia (204): mediaUrl turns null at once, the media route answers 404', async () => {
      const { c, r } = addRecording();
      const warm = await gw.query(read, { c, r });
      expect(warm.body.data?.recording).toMatchObject({ mediaUrl: `/media/recordings/${ACCOUNT}/${c}/${r}` });

      const res = await gw.query(`mutation($c: ID!, $r: ID!) { deleteRecordingMedia(callId: $c, recordingId: $r) { ok } }`, { c, r });
      expect(res.body).toEqual({ data: { deleteRecordingMedia: { ok: true } } });

      const after = await gw.query(read, { c, r });
      expect(after.body.data?.recording).toMatchObject({ id: r, mediaUrl: null });
      const media = await fetch(`${gw.url}/media/recordings/${ACCOUNT}/${c}/${r}`);
      expect(media.status).toBe(404);
      expect(await media.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND', upstream: 'bandwidth', status: 404 } }] });
    });

    it('deleteRecordingTranscription (204): the transcript is gone at once', async () => {
      const { c, r } = addRecording({ transcribed: true });
      const warm = await gw.query(read, { c, r });
      expect(warm.body.data?.recording).toMatchObject({ transcript: { text: expect.stringMatching(/^Transcript/) } });

      const res = await gw.query(`mutation($c: ID!, $r: ID!) { deleteRecordingTranscription(callId: $c, recordingId: $r) { ok } }`, {
        c,
        r,
      });
      expect(res.body).toEqual({ data: { deleteRecordingTranscription: { ok: true } } });

      const after = await gw.query(read, { c, r });
      expect(after.body.data?.recording).toMatchObject({ transcription: null, transcript: null });
    });

    it.each(['deleteRecording', 'deleteRecordingMedia', 'deleteRecordingTranscription'])(
      '%s of something missing answers null with NOT_FOUND',
      async (field) => {
        const res = await gw.query(`mutation { ${field}(callId: "c-missing", recordingId: "r-missing") { ok } }`);
        expect(res.body.data).toEqual({ [field]: null });
        expect(res.body.errors?.[0]).toMatchObject({
          path: [field],
          extensions: { code: 'NOT_FOUND', upstream: 'bandwidth', status: 404 },
        });
      },
    );

    it('a failed deletion still drops the cached reads (it may have happened before the failure)', async () => {
      const { c, r } = addRecording();
      await gw.query(read, { c, r });
      gw.sims.bandwidth.resetCalls();
      gw.sims.bandwidth.inject({ kind: 'status', status: 500, json: { type: 'internal-server-error', description: 'boom' } }, { times: 1 });
      const res = await gw.query(`mutation($c: ID!, $r: ID!) { deleteRecording(callId: $c, recordingId: $r) { ok } }`, { c, r });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 500 });
      // Mutations are not retried.
      expect(gw.sims.bandwidth.callCount()).toBe(1);
      gw.sims.bandwidth.resetCalls();
      await gw.query(read, { c, r });
      expect(gw.sims.bandwidth.callCount()).toBe(1);
    });
  });
});
