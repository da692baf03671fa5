import { UpstreamBadResponseError, UpstreamHttpError } from '../../errors';
import { path, type UpstreamClient, type UpstreamStream } from '../http-client';
import type { BandwidthCredentials } from './credentials';

/** One recording, as every recording operation of the API addresses it. */
export interface RecordingKey {
  accountId: string;
  callId: string;
  recordingId: string;
}

/** Filters of the account-wide list; times are RFC 3339 instants, numbers E.164. */
export interface RecordingListFilter {
  to?: string;
  from?: string;
  /** Inclusive. */
  minStartTime?: string;
  /** Exclusive. */
  maxStartTime?: string;
}

/** Body of `POST .../transcription` (the API's TranscribeRecording). */
export interface TranscribeRecordingBody {
  callbackUrl?: string;
  callbackMethod?: 'GET' | 'POST';
  username?: string;
  password?: string;
  tag?: string;
  callbackTimeout?: number;
  detectLanguage?: boolean;
}

export type RecordingStateBody = { state: 'paused' | 'recording' };

/** Most entries the account-wide list returns (documented cap of the API). */
export const ACCOUNT_LIST_CAP = 1000;

const MEDIA_ACCEPT = 'audio/vnd.wave, audio/mpeg, application/json';

/**
 * Bandwidth Voice recordings API: the ten operations of `RecordingsApi`, under
 * `/accounts/{accountId}/...`. Answers stay `unknown` until mapped; lookups answer null on 404.
 */
export class BandwidthClient {
  constructor(private readonly http: UpstreamClient) {}

  /** `GET /accounts/{accountId}/recordings`, at most {@link ACCOUNT_LIST_CAP} entries. */
  async listAccountRecordings(
    accountId: string,
    filter: RecordingListFilter,
    credentials: BandwidthCredentials,
    signal?: AbortSignal,
  ): Promise<unknown[]> {
    const res = await this.http.request({
      method: 'GET',
      path: path`/accounts/${accountId}/recordings`,
      // URLSearchParams encodes each value exactly once: "+1919..." travels as "%2B1919...".
      query: { to: filter.to, from: filter.from, minStartTime: filter.minStartTime, maxStartTime: filter.maxStartTime },
      read: true,
      auth: credentials.authenticator,
      signal,
    });
    return arrayOf(res.body, res.status, 'account recordings');
  }

  /** `GET /accounts/{accountId}/calls/{callId}/recordings`. */
  async listCallRecordings(accountId: string, callId: string, credentials: BandwidthCredentials, signal?: AbortSignal): Promise<unknown[]> {
    const res = await this.http.request({
      method: 'GET',
      path: path`/accounts/${accountId}/calls/${callId}/recordings`,
      read: true,
      auth: credentials.authenticator,
      signal,
    });
    return arrayOf(res.body, res.status, 'call recordings');
  }

  /** `GET .../recordings/{recordingId}`; null when the recording does not exist. */
  async getRecording(key: RecordingKey, credentials: BandwidthCredentials, signal?: AbortSignal): Promise<unknown> {
    return nullOn404(async () => {
      const res = await this.http.request({ method: 'GET', path: recordingPath(key), read: true, auth: credentials.authenticator, signal });
      return res.body ?? null;
    });
  }

  /** `GET .../recordings/{recordingId}/transcription`; null when there is no transcription. */
  async getTranscription(key: RecordingKey, credentials: BandwidthCredentials, signal?: AbortSignal): Promise<unknown> {
    return nullOn404(async () => {
      const res = await this.http.request({
        method: 'GET',
        path: recordingPath(key) + '/transcription',
        read: true,
        auth: credentials.authenticator,
        signal,
      });
      return res.body ?? null;
    });
  }

  /** `GET .../recordings/{recordingId}/media` as a stream; `range` is passed through as is. */
  async downloadMedia(
    key: RecordingKey,
    options: { range?: string },
    credentials: BandwidthCredentials,
    signal?: AbortSignal,
  ): Promise<UpstreamStream> {
    return this.http.stream({
      method: 'GET',
      path: recordingPath(key) + '/media',
      headers: { accept: MEDIA_ACCEPT, ...(options.range ? { range: options.range } : {}) },
      read: true,
      auth: credentials.authenticator,
      signal,
    });
  }

  /** `PUT /accounts/{accountId}/calls/{callId}/recording`: answers 200 with an empty body. */
  async updateRecordingState(
    accountId: string,
    callId: string,
    body: RecordingStateBody,
    credentials: BandwidthCredentials,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: path`/accounts/${accountId}/calls/${callId}/recording`,
      json: body,
      read: false,
      auth: credentials.authenticator,
      signal,
    });
  }

  /** `POST .../recordings/{recordingId}/transcription`: 204. */
  async requestTranscription(
    key: RecordingKey,
    body: TranscribeRecordingBody,
    credentials: BandwidthCredentials,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: recordingPath(key) + '/transcription',
      json: body,
      read: false,
      auth: credentials.authenticator,
      signal,
    });
  }

  /** `DELETE .../recordings/{recordingId}`: metadata, media and transcription; 204. */
  async deleteRecording(key: RecordingKey, credentials: BandwidthCredentials, signal?: AbortSignal): Promise<void> {
    await this.http.request({ method: 'DELETE', path: recordingPath(key), read: false, auth: credentials.authenticator, signal });
  }

  /** `DELETE .../recordings/{recordingId}/media`: 204. */
  async deleteRecordingMedia(key: RecordingKey, credentials: BandwidthCredentials, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: recordingPath(key) + '/media',
      read: false,
      auth: credentials.authenticator,
      signal,
    });
  }

  /** `DELETE .../recordings/{recordingId}/transcription`: 204. */
  async deleteRecordingTranscription(key: RecordingKey, credentials: BandwidthCredentials, signal?: AbortSignal): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: recordingPath(key) + '/transcription',
      read: false,
      auth: credentials.authenticator,
      signal,
    });
  }
}

function recordingPath({ accountId, callId, recordingId }: RecordingKey): string {
  return path`/accounts/${accountId}/calls/${callId}/recordings/${recordingId}`;
}

function arrayOf(body: unknown, status: number, what: string): unknown[] {
  if (!Array.isArray(body)) throw new UpstreamBadResponseError('bandwidth', `${what} answer is not an array`, status);
  return body;
}

async function nullOn404(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof UpstreamHttpError && err.statusCode === 404) return null;
    throw err;
  }
}
