import { createHash } from 'node:crypto';
import type { UpstreamName } from '../config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { Cache } from './cache';
import { cacheKey } from './cache';
import { Coalescer } from './coalescer';
import type { SignalSource } from '../runtime/cancellation';

/**
 * Shared result cache: the gateway's cache layers beyond one request.
 *
 * 1. Per request, each DataLoader dedupes and batches the keys one operation asks for
 *    (`src/upstreams/<name>/loaders.ts`); nothing outlives the request.
 * 2. Per process, identical in-flight upstream reads are coalesced ({@link Coalescer}): a key
 *    another request is already fetching, for the same upstream identity and cache version, is
 *    awaited instead of fetched again ({@link ResultCache.loadMany}). An answer stays joinable
 *    for up to 250 ms (never past its TTL, never while the cache is down), which closes the gap
 *    where a request read the cache just before the answer was written.
 * 3. Across requests and processes, this TTL cache holds upstream results in the {@link Cache}
 *    (Redis when configured). Every entry is scoped by `(namespace, identity)`, where identity is
 *    the hash of the upstream credential that fetched it, so nothing one caller fetched is ever
 *    served to a caller with another identity. Beside Redis, each process keeps the entries it
 *    has read, parsed and frozen (the hot layer, LRU-bounded): while they are fresh, one read of
 *    the scope's version key (and one entry, proof that Redis answered) replaces the read of
 *    every entry, so an invalidation by any process is still seen at once.
 *
 * Stale-while-revalidate, per upstream: an entry past its TTL but within its upstream's stale
 * window is still served, and ONE background refresh replaces it (once per process by an
 * in-process guard, once across processes by a short lock in the shared cache). While the
 * upstream is down, the stale value keeps being served until the window closes.
 *
 * Invalidation is versioned: each scope has a version counter stored beside its entries (same
 * hash slot), every entry records the version it was read under, and a mutation bumps the
 * version. A value whose load started before the bump, foreground or background refresh, is
 * written with the old version and so is never served: nothing in flight can resurrect what a
 * mutation invalidated. The version is also part of the coalescing key, so a request that reads
 * after a mutation never shares an upstream call that started before it.
 */
export interface CacheScope {
  /** What kind of result, e.g. `pipeline-status`. */
  namespace: string;
  /** Hash of the upstream identity (see `principal.ts`). */
  identity: string;
}

interface Stored<T> {
  /** Scope version the value was read under. */
  v: string;
  d: T;
  /** Fresh until (epoch ms); absent in entries written before the stale window existed. */
  f?: number;
}

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
   * Parsed entries this process keeps beside a shared (Redis) cache, served while fresh after
   * one small read of the scope's version key instead of a read of every entry. 0 turns it off.
   * Default 10 000; unused over an in-process cache.
   */
  hotEntries?: number;
  /**
   * Stale-while-revalidate window per upstream (s): how long past its TTL an entry is still
   * served while one background refresh runs. Upstreams left out: 0 (no stale serving).
   */
  staleSeconds?: Partial<Record<UpstreamName, number>>;
  /** How hot entries learn of invalidations (see above). Default `push`. */
  invalidation?: 'push' | 'check';
  logger?: Logger;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

type Lookup<T> = { state: 'fresh' | 'stale'; value: T } | { state: 'miss' };

/**
 * What a lookup found: on the warm path every value, fresh, with no per-id record built;
 * otherwise one {@link Lookup} per id.
 */
type Found<T> = { version: string; epoch: number } & (
  { fresh: T[]; lookups?: undefined } | { fresh?: undefined; lookups: Array<Lookup<T>> }
);

interface HotEntry {
  /** Scope version the value was read under. */
  v: string;
  /** This process's invalidation count of the scope when it was read. */
  e: number;
  d: unknown;
  freshUntil: number;
}

/** Freezes a value shared by every request of the process: a resolver that mutates it fails loudly. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

export class ResultCache {
  private readonly coalescer: Coalescer<unknown>;
  /** Refresh keys this process is refreshing now (the in-process half of "refresh once"). */
  private readonly refreshing = new Set<string>();
  private readonly background = new Set<Promise<void>>();
  private readonly now: () => number;
  /**
   * Hot layer: parsed fresh entries by scope, then by id, oldest first; at most `hotMax` in
   * all. Keyed by the strings callers already hold, so a warm read builds no key per id.
   */
  private readonly hot: Map<string, Map<string, HotEntry>> | null;
  private hotSize = 0;
  /** Version keys by scope key (see {@link versionKeyOf}). */
  private readonly versionKeys = new Map<string, string>();
  private readonly hotMax: number;
  /**
   * Invalidations this process made, per scope. Part of every in-process key beside the shared
   * version: a read whose version lookup failed (Redis not answering) still never joins a call,
   * nor takes a hot copy, from before this process's own mutation.
   */
  private readonly epochs = new Map<string, number>();
  /**
   * `push` mode: scope versions known to be current, by version key, while the invalidation
   * channel is listened to (null in `check` mode).
   */
  private readonly versions: Map<string, string> | null = null;
  private listening = false;
  /**
   * Bumped by every invalidation message and every change of listening: a version read that
   * started before one of them may be outdated, and is not remembered.
   */
  private generation = 0;
  /** Shared-layer lookup counters, bound once (see `childrenOf` in metrics.ts). */
  private readonly lookupCounters?: Record<'hit' | 'stale' | 'miss', { inc(n: number): void }>;

  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
    private readonly metrics?: Metrics,
    private readonly options: ResultCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    if (metrics) {
      const shared = (result: string) => metrics.cacheLookups.labels('shared', result);
      this.lookupCounters = { hit: shared('hit'), stale: shared('stale'), miss: shared('miss') };
    }
    this.coalescer = new Coalescer({ now: this.now });
    this.hotMax = options.hotEntries ?? 10_000;
    this.hot = cache.kind !== 'memory' && this.hotMax > 0 ? new Map() : null;
    if (this.hot && cache.broadcast && (options.invalidation ?? 'push') === 'push') {
      const versions = new Map<string, string>();
      this.versions = versions;
      cache.broadcast.listen(
        this.invalidationChannel(),
        (versionKey) => {
          this.generation += 1;
          versions.delete(versionKey);
        },
        (listening) => {
          this.generation += 1;
          versions.clear();
          this.listening = listening;
        },
      );
    }
  }

  /** How hot reads learn of invalidations now: `push` only while the channel is listened to. */
  invalidationMode(): 'push' | 'check' {
    return this.versions && this.listening ? 'push' : 'check';
  }

  /** The stale window of an upstream (s). */
  staleSecondsOf(upstream: UpstreamName | undefined): number {
    return upstream ? (this.options.staleSeconds?.[upstream] ?? 0) : 0;
  }

  /** Fresh cached values only (a stale entry reads as a miss); see {@link loadMany} for SWR. */
  async readMany<T>(scope: CacheScope, ids: readonly string[]): Promise<CachedRead<T>> {
    const { fresh, lookups, version } = await this.lookup<T>(scope, ids);
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
    if (ttlSeconds <= 0 || entries.length === 0) return;
    const staleMs = this.staleSecondsOf(upstream) * 1000;
    const freshUntil = this.now() + ttlSeconds * 1000;
    // The hot layer is filled by reads only: the values written here still belong to the caller.
    await this.cache.setMany(
      entries.map(([id, d]) => [this.key(scope, id), JSON.stringify({ v: version, d, f: freshUntil } satisfies Stored<T>)] as const),
      ttlSeconds * 1000 + staleMs,
    );
  }

  /**
   * Values of `ids`, in order, each a value or an Error (per id, like DataLoader):
   * fresh entries are served; stale ones are served and refreshed once in the background;
   * the rest are fetched with ONE call of `fetch`, sharing keys other requests of this process
   * are already fetching, and cached under the version read before the fetch.
   */
  async loadMany<T>(scope: CacheScope, ids: readonly string[], options: LoadOptions, fetch: ResultFetch<T>): Promise<Array<T | Error>> {
    if (ids.length === 0) return [];
    const { fresh, lookups, version, epoch } = await this.lookup<T>(scope, ids, this.staleSecondsOf(options.upstream) * 1000);
    // The warm path: everything fresh.
    if (fresh) {
      this.count('hit', ids.length);
      return fresh;
    }
    if (lookups.every((l) => l.state === 'fresh')) {
      this.count('hit', ids.length);
      return lookups.map((l) => (l as { value: T }).value);
    }
    const flightVersion = `${version}/${epoch}`;
    const out = new Array<T | Error>(ids.length);
    const stale: string[] = [];
    const missingAt = new Map<string, number[]>();
    ids.forEach((id, i) => {
      const found = lookups[i] as Lookup<T>;
      if (found.state === 'miss') {
        missingAt.set(id, [...(missingAt.get(id) ?? []), i]);
        return;
      }
      out[i] = found.value;
      if (found.state === 'stale') stale.push(id);
    });
    this.count('hit', ids.length - stale.length - [...missingAt.values()].reduce((n, at) => n + at.length, 0));
    this.count('stale', stale.length);
    this.count('miss', missingAt.size);
    if (stale.length) this.refreshInBackground(scope, version, flightVersion, [...new Set(stale)], options, fetch);

    if (missingAt.size) {
      const idOf = new Map<string, string>();
      const keys = [...missingAt.keys()].map((id) => {
        const key = this.flightKey(scope, flightVersion, id);
        idOf.set(key, id);
        return key;
      });
      const { values, shared } = await this.coalescer.loadMany(
        keys,
        (batch, signal) =>
          this.fetchAndStore(
            scope,
            version,
            batch.map((k) => idOf.get(k) as string),
            options,
            fetch,
            signal,
            (id) => this.flightKey(scope, flightVersion, id),
          ),
        options.cancel?.signal,
        // Only while values are being cached anyway (TTL set, cache up): lingering never serves
        // what the shared cache would not, and with the cache down every request goes upstream.
        { lingerMs: this.cache.health().state === 'up' ? Math.min(250, options.ttlSeconds * 1000) : 0 },
      );
      if (shared && this.metrics) this.metrics.cacheLookups.inc({ layer: 'inflight', result: 'shared' }, shared);
      keys.forEach((key, k) => {
        for (const i of missingAt.get(idOf.get(key) as string) ?? []) out[i] = values[k] as T | Error;
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
    this.epochs.set(this.scopeKey(scope), this.epochOf(scope) + 1);
    const versionKey = this.versionKey(scope);
    this.generation += 1;
    this.versions?.delete(versionKey);
    await this.cache.increment(versionKey);
    // Published after the increment: a process told of it reads the new version. Every
    // process listens, so one that never read this scope simply has nothing to forget.
    if (this.cache.broadcast) await this.cache.broadcast.publish(this.invalidationChannel(), versionKey);
  }

  /** Resolves when every background refresh started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  /** `staleMs`: how long past its freshness an entry is still served (older ones read as misses). */
  private async lookup<T>(scope: CacheScope, ids: readonly string[], staleMs = 0): Promise<Found<T>> {
    const scopeKey = this.scopeKey(scope);
    const epoch = this.epochs.get(scopeKey) ?? 0;
    const hotScope = this.hot?.get(scopeKey);
    if (hotScope && ids.length && this.cache.health().state === 'up') {
      // Fast path: every entry is hot and fresh; one small read says none was invalidated.
      const hits = this.hotHits(hotScope, ids);
      if (hits) {
        const versionKey = this.versionKeyOf(scopeKey, scope);
        const served = (version: string): Found<T> | null =>
          hits.every((h) => h.v === version && h.e === epoch) ? { fresh: hits.map((h) => h.d as T), version, epoch } : null;
        const known = this.listening ? this.versions?.get(versionKey) : undefined;
        if (known !== undefined) {
          const answer = served(known);
          if (answer) return answer;
        }
        const generation = this.generation;
        // One entry rides along: if Redis answers it, the version beside it (same slot, same
        // command) is real; a failed read answers nothing and falls through to the full read.
        const [rawVersion, witness] = await this.cache.getMany([versionKey, this.key(scope, ids[0] as string)]);
        const version = rawVersion ?? '0';
        if (witness !== undefined) {
          // Remembered only if no invalidation message (nor a lost subscription) came meanwhile.
          if (this.versions && this.listening && generation === this.generation) {
            // Bounded like the hot layer (scopes are few unless callers bring many tokens).
            if (this.versions.size >= this.hotMax) this.versions.clear();
            this.versions.set(versionKey, version);
          }
          const answer = served(version);
          if (answer) return answer;
        }
      }
    }
    const [rawVersion, ...raw] = await this.cache.getMany([this.versionKey(scope), ...ids.map((id) => this.key(scope, id))]);
    const version = rawVersion ?? '0';
    const now = this.now();
    const lookups = raw.map((r, i): Lookup<T> => {
      if (r === undefined) return { state: 'miss' };
      try {
        const stored = JSON.parse(r) as Stored<T>;
        if (stored.v !== version) return { state: 'miss' };
        // Past its stale window too: the shared cache's own expiry says the same in its clock.
        if (stored.f !== undefined && stored.f + staleMs <= now) return { state: 'miss' };
        const fresh = stored.f === undefined || stored.f > now;
        if (fresh && stored.f !== undefined)
          this.remember(scopeKey, ids[i] as string, { v: version, e: epoch, d: deepFreeze(stored.d), freshUntil: stored.f });
        return { state: fresh ? 'fresh' : 'stale', value: stored.d };
      } catch {
        return { state: 'miss' };
      }
    });
    return { lookups, version, epoch };
  }

  /** The hot entries of `ids`, in order, if every one is there and still fresh. */
  private hotHits(entries: Map<string, HotEntry>, ids: readonly string[]): HotEntry[] | null {
    const now = this.now();
    const hits = new Array<HotEntry>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const hit = entries.get(ids[i] as string);
      if (hit === undefined || hit.freshUntil <= now) return null;
      hits[i] = hit;
    }
    return hits;
  }

  private scopeKey(scope: CacheScope): string {
    return `${scope.namespace}\u0000${scope.identity}`;
  }

  private epochOf(scope: CacheScope): number {
    return this.epochs.get(this.scopeKey(scope)) ?? 0;
  }

  private remember(scopeKey: string, id: string, entry: HotEntry): void {
    if (!this.hot) return;
    let entries = this.hot.get(scopeKey);
    if (!entries) {
      entries = new Map();
      this.hot.set(scopeKey, entries);
    }
    if (entries.delete(id)) this.hotSize -= 1;
    entries.set(id, entry);
    this.hotSize += 1;
    // Over the bound: the oldest entries of the scope remembered longest ago go first.
    for (const [oldestScope, oldest] of this.hot) {
      if (this.hotSize <= this.hotMax) break;
      for (const oldestId of oldest.keys()) {
        if (this.hotSize <= this.hotMax) break;
        oldest.delete(oldestId);
        this.hotSize -= 1;
      }
      if (oldest.size === 0) this.hot.delete(oldestScope);
    }
  }

  private async fetchAndStore<T>(
    scope: CacheScope,
    version: string,
    ids: string[],
    options: LoadOptions,
    fetch: ResultFetch<T>,
    signal: AbortSignal,
    keyOf: (id: string) => string,
  ): Promise<Map<string, unknown>> {
    const answer = await fetch(ids, signal);
    const toCache: Array<[string, T]> = [];
    const out = new Map<string, unknown>();
    for (const id of ids) {
      const value = answer.has(id) ? (answer.get(id) as T | Error) : new Error(`${scope.namespace} ${id} was not loaded`);
      out.set(keyOf(id), value);
      if (!(value instanceof Error)) toCache.push([id, value]);
    }
    await this.writeMany(scope, version, toCache, options.ttlSeconds, options.upstream);
    return out;
  }

  private refreshInBackground<T>(
    scope: CacheScope,
    version: string,
    flightVersion: string,
    ids: string[],
    options: LoadOptions,
    fetch: ResultFetch<T>,
  ): void {
    const ours = ids.filter((id) => !this.refreshing.has(this.flightKey(scope, flightVersion, id)));
    if (!ours.length) return;
    for (const id of ours) this.refreshing.add(this.flightKey(scope, flightVersion, id));
    const lockMs = Math.max(1000, Math.min(options.ttlSeconds, this.staleSecondsOf(options.upstream)) * 1000);
    const owner = `${process.pid}:${this.now()}`;
    const run = (async () => {
      try {
        // Across processes: whoever takes an id's lock refreshes it; a cache that is down
        // ('unavailable') cannot arbitrate, so this process refreshes on its own.
        const locks = await Promise.all(ours.map((id) => this.cache.acquireLock(this.refreshLockKey(scope, version, id), owner, lockMs)));
        const toRefresh = ours.filter((_id, i) => locks[i] !== 'held');
        if (!toRefresh.length) return;
        // The lock is left to expire: released early, a process that read the stale entry just
        // before our write could take it and refresh a second time.
        const keys = toRefresh.map((id) => this.flightKey(scope, flightVersion, id));
        const idOf = new Map(toRefresh.map((id, i) => [keys[i] as string, id]));
        await this.coalescer.loadMany(keys, (batch, signal) =>
          this.fetchAndStore(
            scope,
            version,
            batch.map((k) => idOf.get(k) as string),
            options,
            fetch,
            signal,
            (id) => this.flightKey(scope, flightVersion, id),
          ),
        );
        if (this.metrics) this.metrics.cacheLookups.inc({ layer: 'shared', result: 'refreshed' }, toRefresh.length);
      } catch (err) {
        this.options.logger?.debug(
          { namespace: scope.namespace, err: (err as Error).message },
          'background refresh failed: the stale value stays',
        );
      } finally {
        for (const id of ours) this.refreshing.delete(this.flightKey(scope, flightVersion, id));
      }
    })();
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  private count(result: 'hit' | 'stale' | 'miss', n: number): void {
    if (n > 0) this.lookupCounters?.[result].inc(n);
  }

  private flightKey(scope: CacheScope, version: string, id: string): string {
    return `${scope.namespace}\u0000${scope.identity}\u0000${version}\u0000${id}`;
  }

  private key(scope: CacheScope, id: string): string {
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'r', id);
  }

  private refreshLockKey(scope: CacheScope, version: string, id: string): string {
    // Hashed: ids can be long, and the lock key only needs to be unique.
    const digest = createHash('sha256').update(`${version}\u0000${id}`).digest('hex').slice(0, 24);
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'refresh', digest);
  }

  private invalidationChannel(): string {
    return `${this.prefix}:invalidations`;
  }

  /** {@link versionKey}, remembered per scope for the warm path (bounded like the hot layer). */
  private versionKeyOf(scopeKey: string, scope: CacheScope): string {
    let key = this.versionKeys.get(scopeKey);
    if (key === undefined) {
      if (this.versionKeys.size >= this.hotMax) this.versionKeys.clear();
      key = this.versionKey(scope);
      this.versionKeys.set(scopeKey, key);
    }
    return key;
  }

  private versionKey(scope: CacheScope): string {
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'version');
  }
}
