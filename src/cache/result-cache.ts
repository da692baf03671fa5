import type { UpstreamName } from '../config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { SignalSource } from '../runtime/cancellation';
import type { Cache } from './cache';
import { HotResults, type HotEntry } from './hot-results';
import { ResultFlights } from './result-flights';
import { ScopeVersions } from './scope-versions';
import { SharedResults, type CacheScope, type Lookup } from './shared-results';
import { StaleRefresh } from './stale-refresh';

export type { CacheScope } from './shared-results';

/** What {@link ResultCache.readMany} found. */
export interface CachedRead<T> {
  /** One value per id, `undefined` where not cached (a cached `null` is a real answer). */
  values: Array<T | undefined>;
  /** Scope version the read saw: pass it to {@link ResultCache.writeMany}. */
  version: string;
}

export interface LoadOptions {
  /** The upstream the values come from: chooses the stale-while-revalidate window. */
  upstream?: UpstreamName;
  /** How long a value is fresh (s). 0: neither cached nor served stale (still coalesced). */
  ttlSeconds: number;
  /**
   * The request's cancellation: the upstream call is cancelled once every request waiting on it
   * is gone. Its signal is asked for only when an upstream call is made or joined.
   */
  cancel?: SignalSource;
}

/**
 * Fetches `ids` from the upstream, answering a value or an Error per id (an id left out of
 * the map answers an Error). Throwing answers that error for every id. Errors are never cached.
 */
export type ResultFetch<T> = (ids: string[], signal: AbortSignal) => Promise<Map<string, T | Error>>;

export interface ResultCacheOptions {
  /**
   * Parsed entries this process keeps beside a shared (Redis) cache ({@link HotResults}).
   * 0 turns it off. Default 10 000; unused over an in-process cache.
   */
  hotEntries?: number;
  /**
   * Stale-while-revalidate window per upstream (s): how long past its TTL an entry is still
   * served while one background refresh runs. Upstreams left out: 0 (no stale serving).
   */
  staleSeconds?: Partial<Record<UpstreamName, number>>;
  /** How hot entries learn of invalidations ({@link ScopeVersions}). Default `push`. */
  invalidation?: 'push' | 'check';
  logger?: Logger;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * What a lookup found: on the warm path every value, fresh, with no per-id record built;
 * otherwise one {@link Lookup} per id.
 */
type Found<T> = { version: string; epoch: number } & (
  { fresh: T[]; lookups?: undefined } | { fresh?: undefined; lookups: Array<Lookup<T>> }
);

/** How long a coalesced answer stays joinable at most (ms): see {@link ResultFlights}. */
const LINGER_MS = 250;

/**
 * The result cache: the gateway's cache layers beyond one request (docs/scaling.md, "The cache
 * layers"). It only wires them; each is its own unit:
 *
 * - {@link SharedResults}: the shared TTL store (Redis when configured), scoped by
 *   `(namespace, identity)` so nothing one caller fetched is served to another identity;
 * - {@link HotResults}: this process's parsed, frozen copies of what it read (LRU-bounded),
 *   served while fresh and while their scope's version is the one they were read under;
 * - {@link ScopeVersions}: versioned invalidation, and how this process hears of another's
 *   mutation: `push` (the default: invalidation messages, no round trip on a warm hit) or
 *   `check` (one small read of the version per warm hit);
 * - {@link StaleRefresh}: stale-while-revalidate per upstream, one background refresh per entry
 *   across processes (a short lock in the shared cache);
 * - {@link ResultFlights}: identical in-flight upstream reads of this process coalesced, an
 *   answer joinable for up to 250 ms after it arrived (never past its TTL, never while the
 *   cache is down).
 *
 * A value whose load started before a mutation, foreground or background refresh, is written
 * with the old version and so is never served.
 */
export class ResultCache {
  private readonly now: () => number;
  private readonly shared: SharedResults;
  private readonly hot: HotResults | null;
  private readonly versions: ScopeVersions;
  private readonly refresh: StaleRefresh;
  private readonly flights: ResultFlights;
  /** Cache writes not yet landed (see {@link writeBehind}). */
  private readonly writes = new Set<Promise<void>>();
  /** Shared-layer lookup counters, bound once (see `childrenOf` in metrics.ts). */
  private readonly lookupCounters?: Record<'hit' | 'stale' | 'miss', { inc(n: number): void }>;

  constructor(
    private readonly cache: Cache,
    prefix: string,
    private readonly metrics?: Metrics,
    private readonly options: ResultCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    if (metrics) {
      const shared = (result: string) => metrics.cacheLookups.labels('shared', result);
      this.lookupCounters = { hit: shared('hit'), stale: shared('stale'), miss: shared('miss') };
    }
    const hotEntries = options.hotEntries ?? 10_000;
    this.shared = new SharedResults(cache, prefix, this.now);
    this.hot = cache.kind !== 'memory' && hotEntries > 0 ? new HotResults(hotEntries) : null;
    // Without a hot layer nothing is served on a remembered version: no need to listen.
    this.versions = new ScopeVersions(cache, prefix, this.hot ? (options.invalidation ?? 'push') : 'check', Math.max(hotEntries, 1));
    this.refresh = new StaleRefresh(cache, prefix, {
      onFailure: (scope, err) =>
        options.logger?.debug(
          { namespace: scope.namespace, err: err instanceof Error ? err.message : String(err) },
          'background refresh failed: the stale value stays',
        ),
      onRefreshed: (count) => metrics?.cacheLookups.inc({ layer: 'shared', result: 'refreshed' }, count),
    });
    this.flights = new ResultFlights(this.now);
  }

  /** How hot reads learn of invalidations now: `push` only while the channel is listened to. */
  invalidationMode(): 'push' | 'check' {
    return this.versions.mode();
  }

  /** The stale window of an upstream (s). */
  staleSecondsOf(upstream: UpstreamName | undefined): number {
    return upstream ? (this.options.staleSeconds?.[upstream] ?? 0) : 0;
  }

  /** Fresh cached values only (a stale entry reads as a miss); see {@link loadMany} for SWR. */
  async readMany<T>(scope: CacheScope, ids: readonly string[]): Promise<CachedRead<T>> {
    const { fresh, lookups, version } = await this.lookup<T>(scope, ids, 0);
    const values = fresh ?? lookups.map((l) => (l.state === 'fresh' ? l.value : undefined));
    this.count('hit', values.filter((v) => v !== undefined).length);
    this.count('miss', values.filter((v) => v === undefined).length);
    return { values, version };
  }

  /** Writes values read under `version` (from {@link readMany}), fresh for `ttlSeconds`. */
  async writeMany<T>(
    scope: CacheScope,
    version: string,
    entries: ReadonlyArray<readonly [string, T]>,
    ttlSeconds: number,
    upstream?: UpstreamName,
  ): Promise<void> {
    // The hot layer is filled by reads only: the values written here still belong to the caller.
    await this.shared.write(scope, version, entries, ttlSeconds, this.staleSecondsOf(upstream) * 1000);
  }

  /**
   * Values of `ids`, in order, each a value or an Error (per id, like DataLoader):
   * fresh entries are served; stale ones are served and refreshed once in the background;
   * the rest are fetched with ONE call of `fetch`, sharing keys other requests of this process
   * are already fetching, and cached under the version read before the fetch.
   */
  async loadMany<T>(scope: CacheScope, ids: readonly string[], options: LoadOptions, fetch: ResultFetch<T>): Promise<Array<T | Error>> {
    if (ids.length === 0) return [];
    const staleMs = this.staleSecondsOf(options.upstream) * 1000;
    const { fresh, lookups, version, epoch } = await this.lookup<T>(scope, ids, staleMs);
    // The warm path: everything fresh.
    if (fresh) {
      this.count('hit', ids.length);
      return fresh;
    }
    // Warm over an in-process cache (no hot layer): every entry read fresh.
    if (lookups.every(isFresh)) {
      this.count('hit', ids.length);
      return lookups.map((l) => (isFresh(l) ? l.value : new Error('unreachable: every lookup is fresh')));
    }
    const out = new Array<T | Error>(ids.length);
    const stale = new Set<string>();
    const missingAt = new Map<string, number[]>();
    let missing = 0;
    let staleAt = 0;
    lookups.forEach((found, i) => {
      const id = ids[i] ?? '';
      if (found.state === 'miss') {
        const at = missingAt.get(id);
        if (at) at.push(i);
        else missingAt.set(id, [i]);
        missing += 1;
        return;
      }
      out[i] = found.value;
      if (found.state === 'stale') {
        stale.add(id);
        staleAt += 1;
      }
    });
    this.count('hit', ids.length - staleAt - missing);
    this.count('stale', staleAt);
    this.count('miss', missingAt.size);
    if (stale.size) {
      const lockMs = Math.max(1000, Math.min(options.ttlSeconds, this.staleSecondsOf(options.upstream)) * 1000);
      this.refresh.start(scope, version, epoch, [...stale], lockMs, async (refreshIds) => {
        await this.flights.load(scope, version, epoch, refreshIds, (batch, signal) =>
          this.fetchAndStore(scope, version, batch, options, fetch, signal),
        );
      });
    }
    if (missingAt.size) {
      const missingIds = [...missingAt.keys()];
      const { values, shared } = await this.flights.load(
        scope,
        version,
        epoch,
        missingIds,
        (batch, signal) => this.fetchAndStore(scope, version, batch, options, fetch, signal),
        options.cancel?.signal,
        // Only while values are being cached anyway (TTL set, cache up): lingering never serves
        // what the shared cache would not, and with the cache down every request goes upstream.
        this.cache.health().state === 'up' ? Math.min(LINGER_MS, options.ttlSeconds * 1000) : 0,
      );
      if (shared && this.metrics) this.metrics.cacheLookups.inc({ layer: 'inflight', result: 'shared' }, shared);
      missingIds.forEach((id, k) => {
        // Each value is what `fetchAndStore` answered for this id: a T or an Error.
        const value = values[k] as T | Error;
        for (const i of missingAt.get(id) ?? []) out[i] = value;
      });
    }
    return out;
  }

  /** Cached value of one id, or the loaded one (then cached); coalesced and SWR like {@link loadMany}. */
  async getOrLoad<T>(
    scope: CacheScope,
    id: string,
    ttlSeconds: number,
    load: (signal: AbortSignal) => Promise<T>,
    options: Omit<LoadOptions, 'ttlSeconds'> = {},
  ): Promise<T> {
    const [value] = await this.loadMany<T>(
      scope,
      [id],
      { ttlSeconds, ...options },
      async (_ids, signal) => new Map([[id, await load(signal)]]),
    );
    if (value instanceof Error) throw value;
    return value as T;
  }

  /** Makes every cached entry of the scope stale (after a mutation). */
  async invalidate(scope: CacheScope): Promise<void> {
    await this.versions.invalidate(scope, scopeKeyOf(scope));
  }

  /** Resolves when every background refresh and cache write started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    await this.refresh.idle();
    await this.written();
  }

  /** Resolves when every cache write started so far has landed (a refresh still running is not waited for). */
  async written(): Promise<void> {
    while (this.writes.size) await Promise.all([...this.writes]);
  }

  /** `staleMs`: how long past its freshness an entry is still served (older ones read as misses). */
  private async lookup<T>(scope: CacheScope, ids: readonly string[], staleMs: number): Promise<Found<T>> {
    const scopeKey = scopeKeyOf(scope);
    const epoch = this.versions.epoch(scopeKey);
    const hits = this.hot && this.cache.health().state === 'up' ? this.hot.hits(scopeKey, ids, this.now()) : null;
    if (hits) {
      // Fast path: every entry is hot and fresh; the version (known, or one small read) says none was invalidated.
      const versionKey = this.versions.versionKeyOf(scopeKey, scope);
      const known = this.versions.known(versionKey);
      if (known !== undefined && servable(hits, known, epoch)) return { fresh: valuesOf<T>(hits), version: known, epoch };
      const started = this.versions.readStarted();
      // One entry rides along: if the cache answers it, the version beside it (same slot, same
      // command) is real; a failed read answers nothing and falls through to the full read.
      const version = await this.shared.witnessedVersion(scope, versionKey, ids[0] ?? '');
      if (version !== undefined) {
        this.versions.learned(versionKey, version, started);
        if (servable(hits, version, epoch)) return { fresh: valuesOf<T>(hits), version, epoch };
      }
    }
    const { version, lookups } = await this.shared.read<T>(scope, this.versions.versionKey(scope), ids, staleMs);
    if (this.hot) {
      for (let i = 0; i < lookups.length; i++) {
        const found = lookups[i];
        const id = ids[i];
        if (found?.state === 'fresh' && found.freshUntil !== undefined && id !== undefined) {
          this.hot.remember(scopeKey, id, { v: version, e: epoch, d: found.value, freshUntil: found.freshUntil });
        }
      }
    }
    return { lookups, version, epoch };
  }

  /** Fetches `ids` and writes the values (errors are answered, never cached). */
  private async fetchAndStore<T>(
    scope: CacheScope,
    version: string,
    ids: string[],
    options: LoadOptions,
    fetch: ResultFetch<T>,
    signal: AbortSignal,
  ): Promise<Map<string, T | Error>> {
    const answer = await fetch(ids, signal);
    const toCache: Array<[string, T]> = [];
    for (const id of ids) {
      const value = answer.get(id);
      if (value === undefined && !answer.has(id)) answer.set(id, new Error(`${scope.namespace} ${id} was not loaded`));
      else if (!(value instanceof Error)) toCache.push([id, value as T]);
    }
    this.writeBehind(scope, version, toCache, options);
    return answer;
  }

  /**
   * Caches what was fetched without making anyone wait for it: the write goes out once the
   * answer's turn of the event loop is over, so neither a slow shared cache nor the write itself
   * delays the answer. Meanwhile this process's callers join the answered flight (it lingers,
   * see {@link ResultFlights}); {@link written} waits for the write.
   */
  private writeBehind<T>(scope: CacheScope, version: string, entries: Array<[string, T]>, options: LoadOptions): void {
    if (options.ttlSeconds <= 0 || entries.length === 0) return;
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.writeMany(scope, version, entries, options.ttlSeconds, options.upstream))
      .catch((err: unknown) =>
        this.options.logger?.warn({ namespace: scope.namespace, err: (err as Error).message }, 'result cache write failed'),
      );
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private count(result: 'hit' | 'stale' | 'miss', n: number): void {
    if (n > 0) this.lookupCounters?.[result].inc(n);
  }
}

function isFresh<T>(lookup: Lookup<T>): lookup is { state: 'fresh'; value: T; freshUntil?: number } {
  return lookup.state === 'fresh';
}

function scopeKeyOf(scope: CacheScope): string {
  return `${scope.namespace}\u0000${scope.identity}`;
}

/** Whether every hot entry was read under `version` and this process's `epoch` of the scope. */
function servable(hits: readonly HotEntry[], version: string, epoch: number): boolean {
  for (const h of hits) if (h.v !== version || h.e !== epoch) return false;
  return true;
}

/** The hot values, as the caller's type: they were written by loads of that type for this scope. */
function valuesOf<T>(hits: readonly HotEntry[]): T[] {
  const values = new Array<T>(hits.length);
  for (let i = 0; i < hits.length; i++) values[i] = hits[i]?.d as T;
  return values;
}
