import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import {
  SEED_CALL_ID,
  SEED_MP3_RECORDING_ID,
  SEED_RECORDING_ID,
  SIM_ACTIVE_CALL_ID,
  SIM_ACTIVE_RECORDING_ID,
} from '../../src/simulators/bandwidth';

const ACCOUNT = SIMULATED.bandwidth.accountId;
const MB = 1024 * 1024;

/** A full garbage collection, so a memory reading counts what is retained, not what awaits collection. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function retainedBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * What stays retained once freed buffers are really gone: a collection frees a dead Buffer's
 * memory a little later (on a busy machine, 10+ MB of chunks that were already garbage were
 * still counted right after gc()), so the least of a few collections half a second apart.
 */
async function settledRetainedBytes(gc: () => void): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++) {
    gc();
    least = Math.min(least, retainedBytes());
    await new Promise((r) => setTimeout(r, 50));
  }
  return least;
}

/** GET with Node's http client, so the test controls reading (and so backpressure). */
function get(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, resolve).on('error', reject);
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
};

describe('GET /media/recordings/{accountId}/{callId}/{recordingId}', () => {
  let gw: TestGateway;
  const mediaUrl = (c: string, r: string) => `${gw.url}/media/recordings/${ACCOUNT}/${c}/${r}`;

  beforeAll(async () => {
    gw = await startTestGateway({ redis: false });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.bandwidth.clearFaults().resetCalls();
  });

  it('streams a WAV recording with its content type and length', async () => {
    const size = gw.sims.bandwidth.mediaSize(ACCOUNT, SEED_CALL_ID, SEED_RECORDING_ID)!;
    const res = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/vnd.wave');
    expect(res.headers.get('content-length')).toBe(String(size));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(body.subarray(8, 12).toString('ascii')).toBe('WAVE');
    expect(body.readUInt16LE(22)).toBe(2); // two channels
    expect(body.equals(gw.sims.bandwidth.mediaBytes(ACCOUNT, SEED_CALL_ID, SEED_RECORDING_ID, 0, size))).toBe(true);
    const call = gw.sims.bandwidth.calls[0];
    expect(call?.path).toBe(`/accounts/${ACCOUNT}/calls/${SEED_CALL_ID}/recordings/${SEED_RECORDING_ID}/media`);
    expect(call?.headers.accept).toBe('audio/vnd.wave, audio/mpeg, application/json');
    expect(call?.headers.authorization).toMatch(/^Basic /);
  });

  it('streams an MP3 recording as audio/mpeg', async () => {
    const res = await fetch(mediaUrl(SEED_CALL_ID, SEED_MP3_RECORDING_ID));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    const body = Buffer.from(await res.arrayBuffer());
    expect([...body.subarray(0, 2)]).toEqual([0xff, 0xfb]);
    expect(body.length).toBe(gw.sims.bandwidth.mediaSize(ACCOUNT, SEED_CALL_ID, SEED_MP3_RECORDING_ID));
  });

  it('answers a Range request with 206, Content-Range and only those bytes', async () => {
    const size = gw.sims.bandwidth.mediaSize(ACCOUNT, SEED_CALL_ID, SEED_RECORDING_ID)!;
    const res = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID), { headers: { range: 'bytes=1000-1999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000-1999/${size}`);
    expect(res.headers.get('content-length')).toBe('1000');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(gw.sims.bandwidth.mediaBytes(ACCOUNT, SEED_CALL_ID, SEED_RECORDING_ID, 1000, 2000))).toBe(true);
    expect(gw.sims.bandwidth.calls[0]?.headers.range).toBe('bytes=1000-1999');

    const tail = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID), { headers: { range: 'bytes=-16' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${size - 16}-${size - 1}/${size}`);
    expect((await tail.arrayBuffer()).byteLength).toBe(16);
  });

  it('answers 416 with the size for a range past the end', async () => {
    const size = gw.sims.bandwidth.mediaSize(ACCOUNT, SEED_CALL_ID, SEED_RECORDING_ID)!;
    const res = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID), { headers: { range: `bytes=${size + 10}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('answers HEAD with the headers only', async () => {
    const res = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/vnd.wave');
    expect(res.headers.get('content-length')).toBe(String(gw.sims.bandwidth.mediaSize(ACCOUNT, SEED_CALL_ID, SEED_RECORDING_ID)));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('answers 404 NOT_FOUND while the upstream has no media', async () => {
    const res = await fetch(mediaUrl(SIM_ACTIVE_CALL_ID, SIM_ACTIVE_RECORDING_ID));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      errors: [
        { message: expect.any(String), extensions: { code: 'NOT_FOUND', upstream: 'bandwidth', status: 404, upstreamCode: 'not-found' } },
      ],
    });
  });

  it('refuses malformed ids (400) and other methods (405) without an upstream call', async () => {
    const bad = await fetch(`${gw.url}/media/recordings/not-digits/${SEED_CALL_ID}/${SEED_RECORDING_ID}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    const post = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(gw.sims.bandwidth.callCount()).toBe(0);
  });

  it('waits out one 429 and streams; a 429 that persists answers 429 with Retry-After', async () => {
    gw.sims.bandwidth.rateLimit(1, { times: 1 });
    const started = Date.now();
    const ok = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID), { headers: { range: 'bytes=0-43' } });
    expect(ok.status).toBe(206);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await ok.arrayBuffer()).byteLength).toBe(44);

    gw.sims.bandwidth.resetCalls().rateLimit(1);
    const limited = await fetch(mediaUrl(SEED_CALL_ID, SEED_RECORDING_ID));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({
      errors: [{ extensions: { code: 'UPSTREAM_RATE_LIMITED', upstream: 'bandwidth', retryAfterSeconds: 1 } }],
    });
    expect(gw.sims.bandwidth.callCount()).toBe(2);
  });

  describe('a 5 MB recording', () => {
    const callId = 'c-big-5mb';
    const recordingId = 'r-big-5mb';
    // 327.68 s of 8 kHz 16-bit mono is 5 MiB of samples.
    beforeAll(() => {
      gw.sims.bandwidth.addRecording({ callId, recordingId, seconds: 327.68, channels: 1, startTime: '2024-02-01T00:00:00Z' });
    });

    it('reaches the client while the upstream is still sending: nothing waits for the whole file', async () => {
      const size = gw.sims.bandwidth.mediaSize(ACCOUNT, callId, recordingId)!;
      expect(size).toBeGreaterThan(5 * MB);
      const producedBefore = gw.sims.bandwidth.mediaBytesSent;
      // Bandwidth sends the first MiB, then stalls mid-file.
      const release = gw.sims.bandwidth.holdMedia(MB);
      try {
        const res = await get(mediaUrl(callId, recordingId));
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-length']).toBe(String(size));
        const hash = createHash('sha256');
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          received += chunk.length;
        });
        await until(() => received >= MB);
        // All the upstream sent so far is already with the client, the rest not yet sent.
        expect(received).toBe(MB);
        expect(gw.sims.bandwidth.mediaBytesSent - producedBefore).toBe(MB);

        release();
        await new Promise<void>((resolve, reject) => res.on('end', resolve).on('error', reject));
        expect(received).toBe(size);
        const expected = createHash('sha256')
          .update(gw.sims.bandwidth.mediaBytes(ACCOUNT, callId, recordingId, 0, size))
          .digest('hex');
        expect(hash.digest('hex')).toBe(expected);
      } finally {
        release();
      }
    });

    it('keeps memory flat while a slow reader holds the stream: it does not grow by the file size', async () => {
      const size = gw.sims.bandwidth.mediaSize(ACCOUNT, callId, recordingId)!;
      const gc = collectGarbage();
      const baseline = await settledRetainedBytes(gc);
      const res = await get(mediaUrl(callId, recordingId));
      let received = 0;
      const hash = createHash('sha256');
      // Read half a MiB, then stop reading for a while.
      await new Promise<void>((resolve) => {
        const onData = (chunk: Buffer) => {
          hash.update(chunk);
          received += chunk.length;
          if (received >= MB / 2) {
            res.pause();
            res.off('data', onData);
            resolve();
          }
        };
        res.on('data', onData);
      });
      await new Promise((r) => setTimeout(r, 300));
      // Still stalled (the reader stays paused while this measures).
      const grownWhileStalled = (await settledRetainedBytes(gc)) - baseline;
      // A stalled reader costs the stream buffers on its way (about 1 MB here), not the file:
      // half the file's size is the line between the two.
      expect(grownWhileStalled).toBeLessThan(size / 2);

      for await (const chunk of res) {
        hash.update(chunk as Buffer);
        received += (chunk as Buffer).length;
      }
      expect(received).toBe(size);
      // Sockets and their last buffers are released on the next turns of the loop, not at the
      // final chunk: let the connections close before counting what is retained.
      expect((await settledRetainedBytes(gc)) - baseline).toBeLessThan(size / 2);
    });

    it('stops pulling from the upstream when the client goes away', async () => {
      const producedBefore = gw.sims.bandwidth.mediaBytesSent;
      const release = gw.sims.bandwidth.holdMedia(MB);
      try {
        const res = await get(mediaUrl(callId, recordingId));
        await new Promise<void>((resolve) => res.once('data', () => resolve()));
        await until(() => gw.sims.bandwidth.mediaBytesSent - producedBefore >= MB);
        res.destroy();
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        release();
      }
      await new Promise((r) => setTimeout(r, 200));
      // At most what already sat in the simulator's own stream buffer after the release.
      expect(gw.sims.bandwidth.mediaBytesSent - producedBefore).toBeLessThanOrEqual(MB + 2 * 64 * 1024);
    });

    it('may take longer than the upstream call deadline; an upstream that stalls is still cut', async () => {
      const size = gw.sims.bandwidth.mediaSize(ACCOUNT, callId, recordingId)!;
      // The deadline covers the wait for the answer's headers; the body is bounded by its idle time.
      const patient = await startTestGateway({
        redis: false,
        sims: gw.sims,
        env: { UPSTREAM_DEADLINE_MS: '500', UPSTREAM_BODY_TIMEOUT_MS: '5000' },
      });
      const strict = await startTestGateway({
        redis: false,
        sims: gw.sims,
        env: { UPSTREAM_DEADLINE_MS: '5000', UPSTREAM_BODY_TIMEOUT_MS: '300' },
      });
      try {
        const slow = gw.sims.bandwidth.holdMedia(MB);
        setTimeout(slow, 900);
        const whole = await readAll(await get(`${patient.url}/media/recordings/${ACCOUNT}/${callId}/${recordingId}`));
        expect(whole.length).toBe(size);

        const stalled = gw.sims.bandwidth.holdMedia(MB);
        try {
          const res = await get(`${strict.url}/media/recordings/${ACCOUNT}/${callId}/${recordingId}`);
          let received = 0;
          res.on('data', (chunk: Buffer) => (received += chunk.length));
          // Cut: the client sees the connection close short of Content-Length.
          await new Promise<void>((resolve) => res.on('close', () => resolve()));
          expect(received).toBe(MB);
          expect(res.complete).toBe(false);
        } finally {
          stalled();
        }
      } finally {
        await patient.close();
        await strict.close();
      }
    });

    it('a Range request into it answers 206 with exactly the range', async () => {
      const size = gw.sims.bandwidth.mediaSize(ACCOUNT, callId, recordingId)!;
      const res = await get(mediaUrl(callId, recordingId), { range: `bytes=${4 * MB}-` });
      expect(res.statusCode).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${4 * MB}-${size - 1}/${size}`);
      const body = await readAll(res);
      expect(body.length).toBe(size - 4 * MB);
      expect(body.equals(gw.sims.bandwidth.mediaBytes(ACCOUNT, callId, recordingId, 4 * MB, size))).toBe(true);
    });
  });
});
