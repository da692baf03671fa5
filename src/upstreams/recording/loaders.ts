import DataLoader from 'dataloader';
import type { Transcript } from '../../generated/graphql';
import type { CacheScope, ResultCache } from '../../cache/result-cache';
import type { Metrics } from '../../observability/metrics';
import type { BandwidthClient, RecordingKey, RecordingListFilter } from './client';
import { ACCOUNT_LIST_CAP } from './client';
import type { BandwidthCredentials } from './credentials';
import { UpstreamBadResponseError } from '../../errors';
import type { LeftOutRow } from '../../paging/left-out';
import { mapRecording, mapTranscript, type RecordingModel } from './mapping';
import type { SignalSource } from '../../runtime/cancellation';

export interface CallKey {
  accountId: string;
  callId: string;
}

export interface AccountListKey {
  accountId: string;
  filter: RecordingListFilter;
}

/** The account-wide list after mapping. */
export interface RecordingList {
  /** Readable rows with their position in the upstream's order. */
  rows: Array<{ position: number; node: RecordingModel }>;
  leftOut: LeftOutRow[];
  /** Entries the upstream answered (left-out ones included). */
  total: number;
  /** The upstream answered its maximum number of entries: more may match the filter. */
  capped: boolean;
}

export interface BandwidthLoaderDeps {
  client: BandwidthClient;
  results: ResultCache;
  metrics: Metrics;
  /** Shared-cache TTL of recordings and transcripts (s). */
  ttlSeconds: number;
  timezone: string;
  /** Most upstream calls one batch keeps in flight (the API has no batch call). Default 8. */
  parallelCalls?: number;
}

/**
 * Cache namespaces. Recordings (one, a call's list, the account's lists) share one, so a
 * mutation drops every read that may show the recording; transcripts have their own, which
 * only the mutations that change a transcript drop.
 */
export const RECORDING_NAMESPACE = 'bandwidth-recording';
export const TRANSCRIPT_NAMESPACE = 'bandwidth-transcript';

export function recordingScopes(credentials: BandwidthCredentials): { recordings: CacheScope; transcripts: CacheScope } {
  return {
    recordings: { namespace: RECORDING_NAMESPACE, identity: credentials.identity },
    transcripts: { namespace: TRANSCRIPT_NAMESPACE, identity: credentials.identity },
  };
}

/** What a mutation can make stale: recordings (one, a call's, an account's lists) and transcripts. */
export type BandwidthCacheGroup = keyof ReturnType<typeof recordingScopes>;

/** Stands for "the upstream answered 404" inside the cache layer (an Error, so never cached). */
const NOT_FOUND = new Error('not found at bandwidth');

const recordingId = (k: RecordingKey) => `${k.accountId}/${k.callId}/${k.recordingId}`;

function listId({ accountId, filter }: AccountListKey): string {
  const q = new URLSearchParams();
  for (const name of ['to', 'from', 'minStartTime', 'maxStartTime'] as const) {
    const v = filter[name];
    if (v !== undefined) q.set(name, v);
  }
  return `${accountId}?${q.toString()}`;
}

/**
 * Per-request loaders of the Bandwidth recordings API. The API has no batch call, so each
 * batch first serves what the shared cache holds for this credential in one read, then asks
 * upstream once per missing key (at most `parallelCalls` at a time), sharing the calls other
 * requests already have in flight for the same keys. Upstream answers are cached
 * raw and mapped on every read, so a row the gateway cannot read fails the same way every time
 * (the resolvers report it; its siblings still come).
 * Not-found answers are not cached: a recording in progress appears moments later.
 */
export function createBandwidthLoaders(deps: BandwidthLoaderDeps, credentials: BandwidthCredentials, cancel?: SignalSource) {
  const scopes = recordingScopes(credentials);
  const parallel = Math.max(1, deps.parallelCalls ?? 8);

  /**
   * Values of `keys` through the shared cache (fresh, or stale and refreshed once in the
   * background); the missing ones from `fetch`, one upstream call per key, coalesced with the
   * same keys other requests are fetching. null is "not found" and is not cached.
   */
  async function throughCache<K>(
    scope: CacheScope,
    keys: readonly K[],
    idOf: (key: K) => string,
    fetch: (key: K, signal: AbortSignal) => Promise<unknown>,
  ): Promise<unknown[]> {
    const ids = keys.map(idOf);
    const keyOf = new Map(ids.map((id, i) => [id, keys[i] as K]));
    const values = await deps.results.loadMany<unknown>(
      scope,
      ids,
      { upstream: 'bandwidth', ttlSeconds: deps.ttlSeconds, cancel },
      async (missing, fetchSignal) => {
        const answers = new Map<string, unknown>();
        await eachLimited(missing, parallel, async (id) => {
          try {
            const value = await fetch(keyOf.get(id) as K, fetchSignal);
            // Errors are never cached: "not found" travels as one so a recording that appears
            // moments later (still being recorded) is not hidden for a TTL.
            answers.set(id, value === null ? NOT_FOUND : value);
          } catch (err) {
            answers.set(id, err instanceof Error ? err : new Error(String(err)));
          }
        });
        return answers;
      },
    );
    return values.map((v) => (v === NOT_FOUND ? null : v));
  }

  const recording = new DataLoader<RecordingKey, RecordingModel | null, string>(
    async (keys) => {
      deps.metrics.observeBatch('bandwidth.recording', keys.length);
      const raw = await throughCache(
        scopes.recordings,
        keys,
        (k) => 'rec/' + recordingId(k),
        (k, fetchSignal) => deps.client.getRecording(k, credentials, fetchSignal),
      );
      return raw.map((body, i) => (body instanceof Error || body === null ? body : mapRecording(body, keys[i]!.accountId, deps.timezone)));
    },
    { cacheKeyFn: recordingId, maxBatchSize: Number.POSITIVE_INFINITY },
  );

  /** Per-request only: a row read through a list answers later lookups of it in the same operation. */
  function prime(rows: ReadonlyArray<RecordingModel | Error>): void {
    for (const row of rows) {
      if (row instanceof Error) continue;
      recording.prime({ accountId: row.accountId, callId: row.callId, recordingId: row.id }, row);
    }
  }

  const callRecordings = new DataLoader<CallKey, Array<RecordingModel | Error>, string>(
    async (keys) => {
      deps.metrics.observeBatch('bandwidth.callRecordings', keys.length);
      const raw = await throughCache(
        scopes.recordings,
        keys,
        (k) => `call/${k.accountId}/${k.callId}`,
        (k, fetchSignal) => deps.client.listCallRecordings(k.accountId, k.callId, credentials, fetchSignal),
      );
      return raw.map((body, i) => {
        if (body instanceof Error) return body;
        const rows = (Array.isArray(body) ? body : []).map((row) => mapRecording(row, keys[i]!.accountId, deps.timezone));
        prime(rows);
        return rows;
      });
    },
    { cacheKeyFn: (k) => `${k.accountId}/${k.callId}`, maxBatchSize: Number.POSITIVE_INFINITY },
  );

  const accountRecordings = new DataLoader<AccountListKey, RecordingList, string>(
    async (keys) => {
      deps.metrics.observeBatch('bandwidth.accountRecordings', keys.length);
      const raw = await throughCache(
        scopes.recordings,
        keys,
        (k) => 'list/' + listId(k),
        (k, fetchSignal) => deps.client.listAccountRecordings(k.accountId, k.filter, credentials, fetchSignal),
      );
      return raw.map((body, i): RecordingList | Error => {
        if (body instanceof Error) return body;
        const out = mappedList(body, keys[i]!.accountId, deps.timezone);
        prime(out.rows.map((r) => r.node));
        return out;
      });
    },
    { cacheKeyFn: listId, maxBatchSize: Number.POSITIVE_INFINITY },
  );

  const transcript = new DataLoader<RecordingKey, Transcript | null, string>(
    async (keys) => {
      deps.metrics.observeBatch('bandwidth.transcript', keys.length);
      const raw = await throughCache(scopes.transcripts, keys, recordingId, (k, fetchSignal) =>
        deps.client.getTranscription(k, credentials, fetchSignal),
      );
      return raw.map((body) => (body instanceof Error || body === null ? body : mapTranscript(body)));
    },
    { cacheKeyFn: recordingId, maxBatchSize: Number.POSITIVE_INFINITY },
  );

  /**
   * After a mutation: makes the shared cache's entries of `groups` stale for every process, and
   * forgets what this request already loaded (a later field of the same operation reads anew).
   */
  async function invalidate(groups: readonly BandwidthCacheGroup[]): Promise<void> {
    recording.clearAll();
    callRecordings.clearAll();
    accountRecordings.clearAll();
    transcript.clearAll();
    await Promise.all(groups.map((g) => deps.results.invalidate(scopes[g])));
  }

  return { recording, callRecordings, accountRecordings, transcript, invalidate, scopes, credentials, cancel };
}

export type BandwidthLoaders = ReturnType<typeof createBandwidthLoaders>;

/**
 * Mapped account lists by the upstream list they came from. A list served from the cache's hot
 * layer is the same frozen object for every request while it is fresh, so it is mapped once
 * (up to 1 000 rows), not once per request; a list read afresh is mapped as it comes.
 */
const mappedLists = new WeakMap<object, { key: string; list: RecordingList }>();

function mappedList(body: unknown, accountId: string, timezone: string): RecordingList {
  const shared = Array.isArray(body) && Object.isFrozen(body);
  const key = `${accountId}\u0000${timezone}`;
  const known = shared ? mappedLists.get(body) : undefined;
  if (known?.key === key) return known.list;
  const rows = Array.isArray(body) ? body : [];
  const list: RecordingList = { rows: [], leftOut: [], total: rows.length, capped: rows.length >= ACCOUNT_LIST_CAP };
  rows.forEach((row, position) => {
    const node = mapRecording(row, accountId, timezone);
    if (node instanceof UpstreamBadResponseError) list.leftOut.push({ position, id: rowId(row), reason: node.detail });
    else list.rows.push({ position, node });
  });
  if (!shared) return list;
  // Shared by every request from now on: frozen, so a resolver that changed it would fail loudly.
  for (const { node } of list.rows) Object.freeze(node);
  Object.freeze(list.rows);
  Object.freeze(list.leftOut);
  mappedLists.set(body, { key, list: Object.freeze(list) });
  return list;
}

function rowId(row: unknown): string | null {
  const id = (row as { recordingId?: unknown } | null)?.recordingId;
  return typeof id === 'string' ? id : null;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
