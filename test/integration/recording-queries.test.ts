import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import {
  SEED_CALL_ID,
  SEED_MP3_RECORDING_ID,
  SEED_RECORDING_ID,
  SIM_ACTIVE_CALL_ID,
  SIM_ACTIVE_RECORDING_ID,
  SIM_OUTBOUND_CALL_ID,
  SIM_OUTBOUND_RECORDING_ID,
} from '../../src/simulators/bandwidth';

const ACCOUNT = SIMULATED.bandwidth.accountId;

const FIELDS = `id accountId applicationId callId parentCallId to from transferCallerId transferTo duration durationSeconds
  direction channels startTime endTime fileFormat status mediaUrl recordingName transcription { id status completedTime }`;

describe('Bandwidth recordings: queries', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { UPSTREAM_RETRIES: '0' } });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.bandwidth.clearFaults().resetCalls();
  });

  it("answers one recording with the models' fields mapped, via HTTP Basic on the default account", async () => {
    const res = await gw.query(`query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { ${FIELDS} } }`, {
      c: SEED_CALL_ID,
      r: SEED_RECORDING_ID,
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.recording).toEqual({
      id: SEED_RECORDING_ID,
      accountId: ACCOUNT,
      applicationId: '04e88489-df02-4e34-a0ee-27a91849555f',
      callId: SEED_CALL_ID,
      parentCallId: null,
      to: '+19195551234',
      from: '+19195554321',
      transferCallerId: null,
      transferTo: null,
      duration: 'PT13.67S',
      durationSeconds: 13.67,
      direction: 'INBOUND',
      channels: 2,
      startTime: '2022-06-21T19:13:21.000Z',
      endTime: '2022-06-21T19:13:34.670Z',
      fileFormat: 'WAV',
      status: 'complete',
      mediaUrl: `/media/recordings/${ACCOUNT}/${SEED_CALL_ID}/${SEED_RECORDING_ID}`,
      recordingName: 'support-line',
      transcription: { id: expect.stringMatching(/^t-/), status: 'available', completedTime: '2022-06-21T19:13:54.670Z' },
    });
    const call = gw.sims.bandwidth.calls[0];
    expect(call?.path).toBe(`/accounts/${ACCOUNT}/calls/${SEED_CALL_ID}/recordings/${SEED_RECORDING_ID}`);
    const basic = Buffer.from(`${SIMULATED.bandwidth.username}:${SIMULATED.bandwidth.password}`).toString('base64');
    expect(call?.headers.authorization).toBe(`Basic ${basic}`);
  });

  it("serves the transcription's own url, and UNKNOWN for a direction the gateway does not know", async () => {
    const seed = await gw.query(`query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { transcription { url } } }`, {
      c: SEED_CALL_ID,
      r: SEED_RECORDING_ID,
    });
    expect(seed.body.data?.recording).toEqual({
      transcription: {
        url: `${gw.sims.bandwidth.url}/accounts/${ACCOUNT}/calls/${SEED_CALL_ID}/recordings/${SEED_RECORDING_ID}/transcription`,
      },
    });
    // On an account of its own, so the default account's lists stay as the other tests expect.
    gw.sims.bandwidth.addAccount('9900777').addRecording({
      accountId: '9900777',
      callId: 'c-fwd-1',
      recordingId: 'r-fwd-1',
      direction: 'forwarded',
      startTime: '2024-02-01T00:00:00Z',
    });
    const odd = await gw.query(
      `{ recording(accountId: "9900777", callId: "c-fwd-1", recordingId: "r-fwd-1") { id direction fileFormat } }`,
    );
    expect(odd.body.data?.recording).toEqual({ id: 'r-fwd-1', direction: 'UNKNOWN', fileFormat: 'WAV' });
  });

  it('answers a recording still in progress without media: mediaUrl, duration and endTime are null', async () => {
    const res = await gw.query(
      `query($c: ID!, $r: ID!) { recording(callId: $c, recordingId: $r) { status mediaUrl duration durationSeconds endTime } }`,
      {
        c: SIM_ACTIVE_CALL_ID,
        r: SIM_ACTIVE_RECORDING_ID,
      },
    );
    expect(res.body).toEqual({
      data: { recording: { status: 'processing', mediaUrl: null, duration: null, durationSeconds: null, endTime: null } },
    });
  });

  it('answers null, without an error, for a recording Bandwidth does not know', async () => {
    const res = await gw.query(`{ recording(callId: "c-unknown", recordingId: "r-unknown") { id } }`);
    expect(res.body).toEqual({ data: { recording: null } });
  });

  it("lists a call's recordings in order, and an empty list for a call without any", async () => {
    const res = await gw.query(
      `query($c: ID!) { callRecordings(callId: $c) { id fileFormat channels durationSeconds } none: callRecordings(callId: "c-none") { id } }`,
      {
        c: SEED_CALL_ID,
      },
    );
    expect(res.body).toEqual({
      data: {
        callRecordings: [
          { id: SEED_RECORDING_ID, fileFormat: 'WAV', channels: 2, durationSeconds: 13.67 },
          { id: SEED_MP3_RECORDING_ID, fileFormat: 'MP3', channels: 1, durationSeconds: 245.2 },
        ],
        none: [],
      },
    });
  });

  it('asks upstream once for a recording named twice in one operation', async () => {
    const res = await gw.query(
      `query($c: ID!, $r: ID!) { a: recording(callId: $c, recordingId: $r) { id } b: recording(callId: $c, recordingId: $r) { status } }`,
      { c: SEED_CALL_ID, r: SEED_MP3_RECORDING_ID },
    );
    expect(res.body).toEqual({ data: { a: { id: SEED_MP3_RECORDING_ID }, b: { status: 'complete' } } });
    expect(gw.sims.bandwidth.callCount()).toBeLessThanOrEqual(1);
  });

  it('serves a repeated read from the shared cache: no second upstream call', async () => {
    const q = `{ recording(callId: "${SIM_OUTBOUND_CALL_ID}", recordingId: "${SIM_OUTBOUND_RECORDING_ID}") { id direction transferTo parentCallId } }`;
    const first = await gw.query(q);
    expect(first.body.data?.recording).toEqual({
      id: SIM_OUTBOUND_RECORDING_ID,
      direction: 'OUTBOUND',
      transferTo: '+15555550100',
      parentCallId: SEED_CALL_ID,
    });
    const calls = gw.sims.bandwidth.callCount();
    const second = await gw.query(q);
    expect(second.body).toEqual(first.body);
    expect(gw.sims.bandwidth.callCount()).toBe(calls);
  });

  it('concurrent requests for the same cold recording share one upstream call', async () => {
    gw.sims.bandwidth.addAccount('9900102');
    gw.sims.bandwidth.addRecording({
      accountId: '9900102',
      callId: 'c-coalesce',
      recordingId: 'r-coalesce',
      seconds: 3,
      startTime: '2023-07-01T00:00:00Z',
    });
    gw.sims.bandwidth.setLatency(100);
    try {
      const q = `{ recording(accountId: "9900102", callId: "c-coalesce", recordingId: "r-coalesce") { id durationSeconds } }`;
      const answers = await Promise.all([gw.query(q), gw.query(q), gw.query(q)]);
      for (const a of answers) expect(a.body).toEqual({ data: { recording: { id: 'r-coalesce', durationSeconds: 3 } } });
      expect(gw.sims.bandwidth.callCount()).toBe(1);
    } finally {
      gw.sims.bandwidth.setLatency(0);
    }
  });

  describe('recordings (the account list)', () => {
    const page = `query($a: ID, $f: RecordingFilter, $first: Int, $after: String) {
      recordings(accountId: $a, filter: $f, first: $first, after: $after) {
        totalCount capped nodes { id startTime } edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;

    it('lists the account in start-time order', async () => {
      const res = await gw.query(page, {});
      const recordings = res.body.data?.recordings as { totalCount: number; capped: boolean; nodes: Array<{ id: string }> };
      expect(res.body.errors).toBeUndefined();
      expect(recordings.capped).toBe(false);
      expect(recordings.nodes.map((n) => n.id)).toEqual([
        SEED_RECORDING_ID,
        SEED_MP3_RECORDING_ID,
        SIM_OUTBOUND_RECORDING_ID,
        SIM_ACTIVE_RECORDING_ID,
      ]);
      expect(recordings.totalCount).toBe(4);
    });

    it('pages with cursors over one upstream call', async () => {
      const one = await gw.query(page, { first: 3 });
      const first = one.body.data?.recordings as { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
      expect(first.nodes).toHaveLength(3);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const two = await gw.query(page, { first: 3, after: first.pageInfo.endCursor });
      expect(two.body.data?.recordings).toMatchObject({
        nodes: [{ id: SIM_ACTIVE_RECORDING_ID }],
        pageInfo: { hasNextPage: false, hasPreviousPage: true },
        totalCount: 4,
      });
      expect(gw.sims.bandwidth.callCount(`/accounts/${ACCOUNT}/recordings`)).toBeLessThanOrEqual(1);
    });

    it('filters by to and from, sending each E.164 number encoded exactly once', async () => {
      const res = await gw.query(page, { f: { to: '+15555550100', from: '%2B19195551234' } });
      expect(res.body.data?.recordings).toMatchObject({ totalCount: 1, nodes: [{ id: SIM_OUTBOUND_RECORDING_ID }] });
      const call = gw.sims.bandwidth.calls.find((c) => c.path === `/accounts/${ACCOUNT}/recordings`);
      expect(call?.query).toBe('?to=%2B15555550100&from=%2B19195551234');
    });

    it('reads minStartTime as inclusive and maxStartTime as exclusive', async () => {
      const seedStart = '2022-06-21T19:13:21Z';
      const from = await gw.query(page, { f: { minStartTime: seedStart, maxStartTime: '2022-06-22T08:02:11.250Z' } });
      expect((from.body.data?.recordings as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual([
        SEED_RECORDING_ID,
        SEED_MP3_RECORDING_ID,
      ]);
      const before = await gw.query(page, { f: { maxStartTime: seedStart } });
      expect(before.body.data?.recordings).toMatchObject({ totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
      // Any RFC 3339 offset is accepted and sent on in UTC.
      const zoned = await gw.query(page, { f: { minStartTime: '2022-06-22T03:13:21+08:00' } });
      expect(zoned.body.data?.recordings).toMatchObject({ totalCount: 4 });
      expect(gw.sims.bandwidth.calls.some((c) => c.query === '?minStartTime=2022-06-21T19%3A13%3A21.000Z')).toBe(true);
    });

    it('pages over the capped list of 1000 and says it is capped', async () => {
      const busy = '9900100';
      gw.sims.bandwidth.addAccount(busy);
      for (let i = 0; i < 1005; i++) {
        gw.sims.bandwidth.addRecording({
          accountId: busy,
          callId: `c-busy-${i}`,
          recordingId: `r-busy-${String(i).padStart(4, '0')}`,
          seconds: 3,
          startTime: new Date(Date.UTC(2023, 0, 1) + i * 60_000).toISOString(),
        });
      }
      const first = await gw.query(page, { a: busy, first: 400 });
      expect(first.body.data?.recordings).toMatchObject({ totalCount: 1000, capped: true, pageInfo: { hasNextPage: true } });
      let after = (first.body.data?.recordings as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
      const seen = (first.body.data?.recordings as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id);
      for (;;) {
        const next = await gw.query(page, { a: busy, first: 400, after });
        const conn = next.body.data?.recordings as { nodes: Array<{ id: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
        seen.push(...conn.nodes.map((n) => n.id));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(seen).toHaveLength(1000);
      expect(new Set(seen).size).toBe(1000);
      expect(seen[999]).toBe('r-busy-0999');
      // One upstream call: the rest of the pages came from the shared cache.
      expect(gw.sims.bandwidth.callCount(`/accounts/${busy}/recordings`)).toBe(1);
    });

    it('leaves out a row it cannot read, says so, and keeps the rest', async () => {
      const odd = '9900101';
      gw.sims.bandwidth.addAccount(odd);
      gw.sims.bandwidth.addRecording({
        accountId: odd,
        callId: 'c-odd-1',
        recordingId: 'r-odd-1',
        seconds: 2,
        startTime: '2023-02-01T00:00:00Z',
      });
      gw.sims.bandwidth.addRecording({
        accountId: odd,
        callId: 'c-odd-2',
        recordingId: 'r-odd-2',
        seconds: 2,
        startTime: '2023-02-01T00:01:00Z',
      });
      gw.sims.bandwidth.inject(
        {
          kind: 'status',
          status: 200,
          json: [
            { recordingId: 'r-odd-1', callId: 'c-odd-1', startTime: '2023-02-01T00:00:00Z' },
            { recordingId: 'r-odd-2', channels: 'two' },
            { recordingId: 'r-odd-3', callId: 'c-odd-3', startTime: '2023-02-01T00:02:00Z' },
          ],
        },
        { times: 1, pathPrefix: `/accounts/${odd}/recordings` },
      );
      const res = await gw.query(page, { a: odd });
      expect(res.body.data?.recordings).toMatchObject({
        totalCount: 3,
        nodes: [{ id: 'r-odd-1' }, { id: 'r-odd-3' }],
      });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        path: ['recordings'],
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'bandwidth' },
      });
      expect(res.body.errors?.[0]?.message).toContain('r-odd-2');
    });
  });

  describe('bad input is refused before any upstream call', () => {
    it.each([
      ['an account id that is not digits', `{ recordings(accountId: "acct-1") { totalCount } }`, 'accountId'],
      ['a call id with a slash', `{ callRecordings(callId: "c-1/../x") { id } }`, 'callId'],
      ['a recording id that is empty', `{ recording(callId: "c-1", recordingId: "") { id } }`, 'recordingId'],
      ['a to that is not E.164', `{ recordings(filter: { to: "919-555-1234" }) { totalCount } }`, 'filter.to'],
      ['a from with a space where the + was', `{ recordings(filter: { from: " 19195554321" }) { totalCount } }`, 'filter.from'],
      ['first above 1000', `{ recordings(first: 1001) { totalCount } }`, 'first'],
      ['a cursor the gateway did not issue', `{ recordings(after: "bm9wZQ") { totalCount } }`, 'after'],
      [
        'minStartTime after maxStartTime',
        `{ recordings(filter: { minStartTime: "2023-01-02T00:00:00Z", maxStartTime: "2023-01-01T00:00:00Z" }) { totalCount } }`,
        'filter.minStartTime',
      ],
    ])('%s', async (_what, query, argument) => {
      const res = await gw.query(query);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(gw.sims.bandwidth.callCount()).toBe(0);
    });

    it('a malformed DateTime, inline or in variables', async () => {
      const inline = await gw.query(`{ recordings(filter: { minStartTime: "2022-13-01T00:00:00Z" }) { totalCount } }`);
      expect(inline.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const variables = await gw.query(`query($f: RecordingFilter) { recordings(filter: $f) { totalCount } }`, {
        f: { maxStartTime: 'yesterday' },
      });
      expect(variables.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(gw.sims.bandwidth.callCount()).toBe(0);
    });
  });

  describe('upstream failures', () => {
    it("an account the credentials may not use is FORBIDDEN with Bandwidth's error type", async () => {
      const res = await gw.query(`{ recordings(accountId: "9911111") { totalCount } }`);
      expect(res.body.data).toEqual({ recordings: null });
      expect(res.body.errors?.[0]).toMatchObject({
        path: ['recordings'],
        extensions: { code: 'FORBIDDEN', upstream: 'bandwidth', status: 403, upstreamCode: 'authorization-error' },
      });
    });

    it('a failing Bandwidth nulls only the recording fields; the rest of the answer still comes', async () => {
      gw.sims.bandwidth.inject({ kind: 'status', status: 500, json: { type: 'internal-server-error', description: 'boom' } });
      const res = await gw.query(
        `{ gatewayInfo { simulated } recording(callId: "c-x", recordingId: "r-x") { id } callRecordings(callId: "c-y") { id } }`,
      );
      expect(res.body.data).toEqual({ gatewayInfo: { simulated: true }, recording: null, callRecordings: null });
      expect(res.body.errors?.map((e) => e.extensions)).toEqual([
        expect.objectContaining({
          code: 'UPSTREAM_UNAVAILABLE',
          upstream: 'bandwidth',
          status: 500,
          upstreamCode: 'internal-server-error',
        }),
        expect.objectContaining({
          code: 'UPSTREAM_UNAVAILABLE',
          upstream: 'bandwidth',
          status: 500,
          upstreamCode: 'internal-server-error',
        }),
      ]);
    });

    it('a row of a call list the gateway cannot read nulls only that item', async () => {
      gw.sims.bandwidth.inject(
        { kind: 'status', status: 200, json: [{ recordingId: 'r-good', callId: 'c-rows' }, { callId: 'c-rows' }] },
        { times: 1, pathPrefix: `/accounts/${ACCOUNT}/calls/c-rows/` },
      );
      const res = await gw.query(`{ callRecordings(callId: "c-rows") { id } }`);
      expect(res.body.data).toEqual({ callRecordings: [{ id: 'r-good' }, null] });
      expect(res.body.errors?.[0]).toMatchObject({
        path: ['callRecordings', 1],
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'bandwidth' },
      });
    });
  });
});
