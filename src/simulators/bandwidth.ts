import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { SIMULATED } from './defaults';
import { Simulator, type SimRequest, type SimResponse } from './simulator';

/** `CallRecordingMetadata` with the API's own field names. */
export interface BandwidthRecordingMetadata {
  applicationId: string;
  accountId: string;
  callId: string;
  parentCallId?: string;
  recordingId: string;
  to: string;
  from: string;
  transferCallerId?: string;
  transferTo?: string;
  /** ISO-8601 duration, e.g. `PT13.67S`; absent while recording. */
  duration?: string;
  direction: 'inbound' | 'outbound' | (string & {});
  channels: number;
  startTime: string;
  endTime?: string;
  fileFormat: 'wav' | 'mp3';
  status: string;
  /** Present once the media can be downloaded. */
  mediaUrl?: string;
  transcription?: { id: string; status: string; completedTime?: string; url: string };
  recordingName?: string;
}

/** What a test (or the seed) describes; the simulator fills urls, ids and defaults. */
export interface SimRecordingInput {
  accountId?: string;
  callId: string;
  recordingId: string;
  applicationId?: string;
  parentCallId?: string;
  to?: string;
  from?: string;
  transferCallerId?: string;
  transferTo?: string;
  /** Length of the audio (s). Decides the media size: WAV is 8 kHz 16-bit PCM per channel. */
  seconds?: number;
  /** `inbound`/`outbound`; any other text stands for a value the vendor may add later. */
  direction?: 'inbound' | 'outbound' | (string & {});
  channels?: 1 | 2;
  startTime: string;
  fileFormat?: 'wav' | 'mp3';
  status?: string;
  /** False: no media yet (recording in progress) or deleted. Default true. */
  hasMedia?: boolean;
  /** Transcripts, one per channel; absent: never transcribed. */
  transcripts?: Array<{ text: string; confidence: number }>;
  recordingName?: string;
}

interface StoredRecording {
  input: Required<Pick<SimRecordingInput, 'accountId' | 'callId' | 'recordingId' | 'channels' | 'fileFormat'>> & SimRecordingInput;
  hasMedia: boolean;
  transcription?: { id: string; status: string; completedTime?: string; transcripts: Array<{ text: string; confidence: number }> };
}

/** The seed's example ids (its account, call and recording). */
export const SEED_CALL_ID = 'c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85';
export const SEED_RECORDING_ID = 'r-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85';
/** A second recording of the seed call: MP3, one channel. */
export const SEED_MP3_RECORDING_ID = 'r-15ac29a2-7e3b1c55-4d2e-4f7a-9c1b-0a8e2f6d3b41';
/** An outbound call whose recording was never transcribed. */
export const SIM_OUTBOUND_CALL_ID = 'c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d';
export const SIM_OUTBOUND_RECORDING_ID = 'r-fbe05094-9fd2afe9-bf5b-4c84-bc97-5d2dc9d4b1a7';
/** A call still in progress: recording now, its media not available yet. */
export const SIM_ACTIVE_CALL_ID = 'c-2a913f94-6a486f3a-3cae-4034-bcc3-f0c9fa77ca2f';
export const SIM_ACTIVE_RECORDING_ID = 'r-2a913f94-ee1e0b44-7b1c-4f0e-8d8a-2c6e1f3b5a90';
export const SIM_APPLICATION_ID = '04e88489-df02-4e34-a0ee-27a91849555f';

/** Most entries `GET /accounts/{accountId}/recordings` answers. */
export const SIM_ACCOUNT_LIST_CAP = 1000;

const E164 = /^\+[1-9]\d{1,14}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const WAV_RATE = 8000;
const WAV_HEADER = 44;
const MP3_FRAME = 417; // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding
const MP3_FRAMES_PER_SECOND = 44100 / 1152;
const CHUNK = 64 * 1024;

/**
 * Simulated Bandwidth Voice recordings API (`RecordingsApi`): the ten operations under
 * `/accounts/{accountId}/...` with HTTP Basic auth, the models' field names, `duration` as an
 * ISO-8601 duration, media as real WAV (`audio/vnd.wave`) or MP3 (`audio/mpeg`) bytes generated
 * on demand with Range support, transcripts for one- and two-channel recordings, 204s where the
 * API gives them, errors as `{type, description, id}`, and the account list's filters (E.164
 * `to`/`from` decoded once, `minStartTime` inclusive, `maxStartTime` exclusive) and 1000 cap,
 * in start-time order.
 *
 * Switches beside the base ones: {@link rateLimit} (429 with Retry-After and Bandwidth's body),
 * {@link addRecording}, {@link addAccount}, {@link startCall}, and the counters
 * {@link mediaBytesSent} / {@link recordingState} tests read.
 */
export class BandwidthSimulator extends Simulator {
  /** Bytes of media the simulator has produced so far (all downloads). */
  mediaBytesSent = 0;
  private readonly users = new Map<string, { password: string; accounts: Set<string> }>();
  private readonly recordings = new Map<string, StoredRecording>();
  /** Calls in progress and whether their recording is running. */
  private readonly activeCalls = new Map<string, 'recording' | 'paused'>();
  private mediaHold: { afterBytes: number; released: Promise<void> } | null = null;

  constructor() {
    super('bandwidth');
    const { username, password, accountId } = SIMULATED.bandwidth;
    this.users.set(username, { password, accounts: new Set([accountId]) });
    seed(this, accountId);

    const base = '/accounts/:accountId';
    const rec = `${base}/calls/:callId/recordings/:recordingId`;
    this.route('GET', `${base}/recordings`, (req) => this.guard(req, () => this.listAccount(req)));
    this.route('GET', `${base}/calls/:callId/recordings`, (req) => this.guard(req, () => this.listCall(req)));
    this.route('PUT', `${base}/calls/:callId/recording`, (req) => this.guard(req, () => this.updateState(req)));
    this.route('GET', rec, (req) => this.guard(req, () => this.withRecording(req, (r) => ({ status: 200, json: this.metadata(r) }))));
    this.route('DELETE', rec, (req) =>
      this.guard(req, () =>
        this.withRecording(req, (r) => {
          this.recordings.delete(keyOf(r.input));
          return { status: 204 };
        }),
      ),
    );
    this.route('GET', `${rec}/media`, (req) => this.guard(req, () => this.withRecording(req, (r) => this.media(req, r))));
    this.route('DELETE', `${rec}/media`, (req) =>
      this.guard(req, () =>
        this.withRecording(req, (r) => {
          if (!r.hasMedia) return bandwidthError(404, 'not-found', 'The recording has no media.');
          r.hasMedia = false;
          return { status: 204 };
        }),
      ),
    );
    this.route('GET', `${rec}/transcription`, (req) =>
      this.guard(req, () =>
        this.withRecording(req, (r) =>
          r.transcription?.status === 'available'
            ? { status: 200, json: { transcripts: r.transcription.transcripts } }
            : bandwidthError(404, 'not-found', 'The recording has no transcription.'),
        ),
      ),
    );
    this.route('POST', `${rec}/transcription`, (req) => this.guard(req, () => this.withRecording(req, (r) => this.transcribe(req, r))));
    this.route('DELETE', `${rec}/transcription`, (req) =>
      this.guard(req, () =>
        this.withRecording(req, (r) => {
          if (!r.transcription) return bandwidthError(404, 'not-found', 'The recording has no transcription.');
          delete r.transcription;
          return { status: 204 };
        }),
      ),
    );
  }

  /** Lets `username` (default: the simulated user) use `accountId`. */
  addAccount(accountId: string, username: string = SIMULATED.bandwidth.username): this {
    this.users.get(username)?.accounts.add(accountId);
    return this;
  }

  /** Adds a user with its own password and accounts (another tenant). */
  addUser(username: string, password: string, accounts: string[]): this {
    this.users.set(username, { password, accounts: new Set(accounts) });
    return this;
  }

  addRecording(input: SimRecordingInput): this {
    const stored: StoredRecording = {
      input: {
        ...input,
        accountId: input.accountId ?? SIMULATED.bandwidth.accountId,
        channels: input.channels ?? 1,
        fileFormat: input.fileFormat ?? 'wav',
      },
      hasMedia: input.hasMedia ?? true,
    };
    if (input.transcripts) {
      stored.transcription = {
        id: 't-' + input.recordingId.replace(/^r-/, ''),
        status: 'available',
        completedTime: addSeconds(input.startTime, (input.seconds ?? 0) + 20),
        transcripts: input.transcripts,
      };
    }
    this.recordings.set(keyOf(stored.input), stored);
    return this;
  }

  /** Marks a call as in progress, its recording running. */
  startCall(accountId: string, callId: string): this {
    this.activeCalls.set(`${accountId}/${callId}`, 'recording');
    return this;
  }

  /** State of an active call's recording, or undefined when the call is not in progress. */
  recordingState(accountId: string, callId: string): 'recording' | 'paused' | undefined {
    return this.activeCalls.get(`${accountId}/${callId}`);
  }

  /** The next `times` calls (default: until cleared) answer 429 with `Retry-After` and Bandwidth's body. */
  rateLimit(retryAfterSeconds: number, options: { times?: number; pathPrefix?: string } = {}): this {
    return this.inject(
      {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': String(retryAfterSeconds) },
        json: { type: 'rate-limit', description: 'Too many requests: slow down.', id: randomUUID() },
      },
      options,
    );
  }

  /**
   * Every media download stops after `afterBytes` of its body until the answered function is
   * called (an upstream that sends slowly, mid-file).
   */
  holdMedia(afterBytes: number): () => void {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.mediaHold = { afterBytes, released };
    return () => {
      this.mediaHold = null;
      release();
    };
  }

  /** Size in bytes of a recording's media (what Content-Length says), or undefined. */
  mediaSize(accountId: string, callId: string, recordingId: string): number | undefined {
    const r = this.recordings.get(`${accountId}/${callId}/${recordingId}`);
    return r ? mediaOf(r).size : undefined;
  }

  /** The bytes of a recording's media between `start` and `end` (exclusive), as served. */
  mediaBytes(accountId: string, callId: string, recordingId: string, start: number, end: number): Buffer {
    const r = this.recordings.get(`${accountId}/${callId}/${recordingId}`);
    if (!r) throw new TypeError(`no recording ${accountId}/${callId}/${recordingId}`);
    return mediaOf(r).read(start, end);
  }

  private guard(req: SimRequest, handle: () => SimResponse): SimResponse {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(req.header('authorization') ?? '');
    const [username, ...rest] = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : [];
    const user = username === undefined ? undefined : this.users.get(username);
    if (!user || user.password !== rest.join(':')) {
      return {
        ...bandwidthError(401, 'authentication-error', 'Invalid or missing credentials.'),
        headers: { 'www-authenticate': 'Basic realm="Bandwidth"' },
      };
    }
    if (!user.accounts.has(req.params.accountId ?? '')) {
      return bandwidthError(403, 'authorization-error', 'The credentials are not authorized for this account.');
    }
    return handle();
  }

  private withRecording(req: SimRequest, handle: (r: StoredRecording) => SimResponse): SimResponse {
    const r = this.recordings.get(`${req.params.accountId}/${req.params.callId}/${req.params.recordingId}`);
    return r ? handle(r) : bandwidthError(404, 'not-found', 'Recording not found.');
  }

  private listAccount(req: SimRequest): SimResponse {
    const accountId = req.params.accountId ?? '';
    const filter: Record<string, string | null> = {};
    for (const name of ['to', 'from'] as const) {
      const value = req.query.get(name);
      // Decoded once by the URL parser: "%2B1919..." is "+1919...", a bare "+" would be a space.
      if (value !== null && !E164.test(value)) {
        return bandwidthError(400, 'validation', `'${name}' must be an E.164 phone number such as +19195551234.`);
      }
      filter[name] = value;
    }
    const times: Record<string, number | null> = {};
    for (const name of ['minStartTime', 'maxStartTime'] as const) {
      const value = req.query.get(name);
      if (value !== null && (!ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value)))) {
        return bandwidthError(400, 'validation', `'${name}' must be an ISO-8601 date-time.`);
      }
      times[name] = value === null ? null : Date.parse(value);
    }
    const rows = [...this.recordings.values()]
      .filter((r) => r.input.accountId === accountId)
      .map((r) => this.metadata(r))
      .filter((m) => filter.to == null || m.to === filter.to)
      .filter((m) => filter.from == null || m.from === filter.from)
      .filter((m) => times.minStartTime == null || Date.parse(m.startTime) >= times.minStartTime)
      .filter((m) => times.maxStartTime == null || Date.parse(m.startTime) < times.maxStartTime)
      .sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime) || a.recordingId.localeCompare(b.recordingId))
      .slice(0, SIM_ACCOUNT_LIST_CAP);
    return { status: 200, json: rows };
  }

  private listCall(req: SimRequest): SimResponse {
    const rows = [...this.recordings.values()]
      .filter((r) => r.input.accountId === req.params.accountId && r.input.callId === req.params.callId)
      .map((r) => this.metadata(r))
      .sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
    return { status: 200, json: rows };
  }

  private updateState(req: SimRequest): SimResponse {
    const read = jsonBody(req);
    if (!read.ok) return read.answer;
    const body = read.body;
    const state = (body as { state?: unknown } | null)?.state;
    if (state !== 'paused' && state !== 'recording') {
      return bandwidthError(400, 'validation', "'state' must be 'paused' or 'recording'.");
    }
    const call = `${req.params.accountId}/${req.params.callId}`;
    if (!this.activeCalls.has(call)) return bandwidthError(404, 'not-found', 'The call is not in progress.');
    this.activeCalls.set(call, state);
    // 200 with an empty body, as the API answers.
    return { status: 200, body: '' };
  }

  private transcribe(req: SimRequest, r: StoredRecording): SimResponse {
    const read = jsonBody(req);
    if (!read.ok) return read.answer;
    const body = read.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return bandwidthError(400, 'validation', 'The request body must be a TranscribeRecording object.');
    }
    const timeout = (body as { callbackTimeout?: unknown }).callbackTimeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || timeout < 1 || timeout > 25)) {
      return bandwidthError(400, 'validation', "'callbackTimeout' must be between 1 and 25.");
    }
    if (!r.hasMedia) return bandwidthError(404, 'not-found', 'The recording has no media to transcribe.');
    const seconds = r.input.seconds ?? 0;
    // "Transcription can succeed only for recordings of length greater than 500 milliseconds and less than 4 hours."
    const ok = seconds > 0.5 && seconds < 4 * 3600;
    r.transcription = {
      id: 't-' + randomUUID(),
      status: ok ? 'available' : 'error',
      completedTime: new Date().toISOString(),
      transcripts: ok ? generatedTranscripts(r.input.channels) : [],
    };
    return { status: 204 };
  }

  private media(req: SimRequest, r: StoredRecording): SimResponse {
    if (!r.hasMedia) return bandwidthError(404, 'not-found', 'The recording has no media.');
    const media = mediaOf(r);
    const headers: Record<string, string | number> = { 'content-type': media.contentType, 'accept-ranges': 'bytes' };
    const range = req.header('range');
    let start = 0;
    let end = media.size;
    let status = 200;
    if (range !== undefined) {
      const parsed = parseRange(range, media.size);
      if (parsed === 'unsatisfiable') {
        return {
          ...bandwidthError(416, 'range-not-satisfiable', 'The requested range is not satisfiable.'),
          headers: { 'content-range': `bytes */${media.size}` },
        };
      }
      if (parsed) {
        [start, end] = parsed;
        status = 206;
        headers['content-range'] = `bytes ${start}-${end - 1}/${media.size}`;
      }
    }
    headers['content-length'] = end - start;
    let at = start;
    const produce = () => {
      if (at >= end) {
        body.push(null);
        return;
      }
      const hold = this.mediaHold;
      if (hold && at - start >= hold.afterBytes) {
        void hold.released.then(produce);
        return;
      }
      const next = Math.min(end, at + CHUNK, hold ? start + hold.afterBytes : end);
      const chunk = media.read(at, next);
      at = next;
      this.mediaBytesSent += chunk.length;
      body.push(chunk);
    };
    // Bytes are produced only as the reader asks for them: a slow reader holds the producer back.
    const body = new Readable({ highWaterMark: CHUNK, read: produce });
    return { status, headers, body };
  }

  private metadata(r: StoredRecording): BandwidthRecordingMetadata {
    const i = r.input;
    const path = `/accounts/${i.accountId}/calls/${i.callId}/recordings/${i.recordingId}`;
    const inProgress = i.seconds === undefined;
    const m: BandwidthRecordingMetadata = {
      applicationId: i.applicationId ?? SIM_APPLICATION_ID,
      accountId: i.accountId,
      callId: i.callId,
      recordingId: i.recordingId,
      to: i.to ?? '+19195551234',
      from: i.from ?? '+19195554321',
      direction: i.direction ?? 'inbound',
      channels: i.channels,
      startTime: i.startTime,
      fileFormat: i.fileFormat,
      status: i.status ?? (inProgress ? 'processing' : 'complete'),
    };
    if (i.parentCallId) m.parentCallId = i.parentCallId;
    if (i.transferCallerId) m.transferCallerId = i.transferCallerId;
    if (i.transferTo) m.transferTo = i.transferTo;
    if (!inProgress) {
      m.duration = isoDuration(i.seconds ?? 0);
      m.endTime = addSeconds(i.startTime, i.seconds ?? 0);
    }
    if (r.hasMedia && !inProgress) m.mediaUrl = `${this.url}${path}/media`;
    if (r.transcription) {
      m.transcription = { id: r.transcription.id, status: r.transcription.status, url: `${this.url}${path}/transcription` };
      if (r.transcription.completedTime) m.transcription.completedTime = r.transcription.completedTime;
    }
    if (i.recordingName) m.recordingName = i.recordingName;
    return m;
  }
}

/** The media of a recording: its size, type and any byte range, computed (never stored). */
function mediaOf(r: StoredRecording): { size: number; contentType: string; read(start: number, end: number): Buffer } {
  const seconds = r.input.seconds ?? 0;
  const channels = r.input.channels;
  if (r.input.fileFormat === 'mp3') {
    const frames = Math.max(1, Math.ceil(seconds * MP3_FRAMES_PER_SECOND));
    // Frame header: sync, MPEG-1 Layer III without CRC, 128 kbit/s at 44.1 kHz, mono or stereo.
    const frameHeader = Buffer.from([0xff, 0xfb, 0x90, channels === 1 ? 0xc4 : 0x04]);
    return {
      size: frames * MP3_FRAME,
      contentType: 'audio/mpeg',
      read(start, end) {
        const out = Buffer.alloc(end - start);
        for (let i = start; i < end; i++) {
          const inFrame = i % MP3_FRAME;
          if (inFrame < 4) out[i - start] = frameHeader[inFrame]!;
        }
        return out;
      },
    };
  }
  const blockAlign = 2 * channels;
  const dataSize = Math.round(seconds * WAV_RATE) * blockAlign;
  const head = wavHeader(dataSize, channels);
  const period = tone(channels);
  return {
    size: WAV_HEADER + dataSize,
    contentType: 'audio/vnd.wave',
    read(start, end) {
      const out = Buffer.alloc(end - start);
      for (let i = start; i < end; i++) {
        out[i - start] = i < WAV_HEADER ? head[i]! : period[(i - WAV_HEADER) % period.length]!;
      }
      return out;
    },
  };
}

/** RIFF/WAVE header of 8 kHz 16-bit PCM. */
function wavHeader(dataSize: number, channels: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataSize, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(WAV_RATE, 24);
  h.writeUInt32LE(WAV_RATE * 2 * channels, 28);
  h.writeUInt16LE(2 * channels, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataSize, 40);
  return h;
}

/** One period of a 400 Hz tone (20 samples at 8 kHz), interleaved per channel. */
function tone(channels: number): Buffer {
  const samples = WAV_RATE / 400;
  const out = Buffer.alloc(samples * 2 * channels);
  for (let s = 0; s < samples; s++) {
    const value = Math.round(Math.sin((2 * Math.PI * s) / samples) * 6000);
    for (let c = 0; c < channels; c++) out.writeInt16LE(c === 0 ? value : value >> 1, (s * channels + c) * 2);
  }
  return out;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range); null to ignore the header as HTTP says. */
function parseRange(value: string, size: number): [number, number] | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size];
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || last < start) return 'unsatisfiable';
  return [start, last + 1];
}

function generatedTranscripts(channels: number): Array<{ text: string; confidence: number }> {
  const caller = { text: 'Hello, I am calling about my order. It has not arrived yet.', confidence: 0.91 };
  return channels === 2 ? [caller, { text: 'Thank you for calling. Your call may be recorded.', confidence: 0.97 }] : [caller];
}

export function bandwidthError(status: number, type: string, description: string): SimResponse {
  return { status, json: { type, description, id: randomUUID() } };
}

function keyOf(i: { accountId: string; callId: string; recordingId: string }): string {
  return `${i.accountId}/${i.callId}/${i.recordingId}`;
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + Math.round(seconds * 1000)).toISOString();
}

/** `PT13.67S`, `PT4M5.2S`, `PT1H0M3S`: what the API writes. */
export function isoDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round((seconds % 60) * 1000) / 1000;
  return `PT${h ? `${h}H` : ''}${h || m ? `${m}M` : ''}${s}S`;
}

/** The recordings every simulated gateway starts with (the seed's example first). */
function seed(sim: BandwidthSimulator, accountId: string): void {
  sim.addRecording({
    accountId,
    callId: SEED_CALL_ID,
    recordingId: SEED_RECORDING_ID,
    seconds: 13.67,
    channels: 2,
    direction: 'inbound',
    fileFormat: 'wav',
    startTime: '2022-06-21T19:13:21.000Z',
    to: '+19195551234',
    from: '+19195554321',
    recordingName: 'support-line',
    transcripts: [
      { text: 'Hi, I would like to check the status of my order.', confidence: 0.92 },
      { text: 'Thank you for calling. This call may be recorded for quality purposes.', confidence: 0.98 },
    ],
  });
  sim.addRecording({
    accountId,
    callId: SEED_CALL_ID,
    recordingId: SEED_MP3_RECORDING_ID,
    seconds: 245.2,
    channels: 1,
    direction: 'inbound',
    fileFormat: 'mp3',
    startTime: '2022-06-21T19:14:02.512Z',
    to: '+19195551234',
    from: '+19195554321',
    transcripts: [{ text: 'The order number is four two seven one.', confidence: 0.87 }],
  });
  sim.addRecording({
    accountId,
    callId: SIM_OUTBOUND_CALL_ID,
    recordingId: SIM_OUTBOUND_RECORDING_ID,
    parentCallId: SEED_CALL_ID,
    seconds: 62.5,
    channels: 1,
    direction: 'outbound',
    fileFormat: 'wav',
    startTime: '2022-06-22T08:02:11.250Z',
    to: '+15555550100',
    from: '+19195551234',
    transferCallerId: '+19195551234',
    transferTo: '+15555550100',
  });
  sim.addRecording({
    accountId,
    callId: SIM_ACTIVE_CALL_ID,
    recordingId: SIM_ACTIVE_RECORDING_ID,
    channels: 1,
    direction: 'inbound',
    fileFormat: 'wav',
    startTime: '2022-06-23T10:00:00.000Z',
    to: '+19195551234',
    from: '+15555550199',
    hasMedia: false,
  });
  sim.startCall(accountId, SIM_ACTIVE_CALL_ID);
}

/** The JSON body of a write, or the 415/400 answer the API gives for a missing or broken one. */
function jsonBody(req: SimRequest): { ok: true; body: unknown } | { ok: false; answer: SimResponse } {
  if (!/application\/json/i.test(req.header('content-type') ?? '')) {
    return { ok: false, answer: bandwidthError(415, 'unsupported-media-type', 'Content-Type must be application/json.') };
  }
  try {
    return { ok: true, body: req.json() };
  } catch {
    return { ok: false, answer: bandwidthError(400, 'validation', 'The request body is not valid JSON.') };
  }
}
