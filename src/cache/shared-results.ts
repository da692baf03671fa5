import type { Cache } from './cache';
import { cacheKey } from './cache';

/** Where a cached result belongs: nothing is ever served across scopes. */
export interface CacheScope {
  /** What kind of result, e.g. `pipeline-status`. */
  namespace: string;
  /** Hash of the upstream identity (see `principal.ts`). */
  identity: string;
}

/** What the shared cache holds for one id (JSON). Short field names: there are many. */
interface Stored<T> {
  /** Scope version the value was read under. */
  v: string;
  d: T;
  /** Fresh until (epoch ms); absent in entries written before the stale window existed. */
  f?: number;
}

/** One id's entry as read: fresh, stale (past its TTL, inside the stale window) or missing. */
export type Lookup<T> = { state: 'fresh' | 'stale'; value: T; freshUntil?: number } | { state: 'miss' };

/**
 * The shared TTL store: upstream results in the {@link Cache} (Redis when configured), scoped by
 * `(namespace, identity)` with one hash slot per scope, so a scope's version key and its entries
 * are read with one command (works on Redis Cluster). An entry records the version it was read
 * under; one read under another version is a miss. Expiry: the cache drops an entry after its TTL
 * plus its stale window; the same bound is applied here by `now`, the clock freshness is kept in.
 */
export class SharedResults {
  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
    private readonly now: () => number,
  ) {}

  key(scope: CacheScope, id: string): string {
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'r', id);
  }

  /**
   * The scope's version and one entry per id, read together (one round trip). A version never
   * written reads as `'0'`. `staleMs`: how long past its freshness an entry still reads stale.
   */
  async read<T>(
    scope: CacheScope,
    versionKey: string,
    ids: readonly string[],
    staleMs: number,
  ): Promise<{ version: string; lookups: Array<Lookup<T>> }> {
    const [rawVersion, ...raw] = await this.cache.getMany([versionKey, ...ids.map((id) => this.key(scope, id))]);
    const version = rawVersion ?? '0';
    const now = this.now();
    const lookups = raw.map((r) => classify<T>(r, version, now, staleMs));
    return { version, lookups };
  }

  /**
   * The scope's version, read with one entry as a witness: `undefined` unless the cache answered
   * the entry (a cache that failed answers nothing, and a missing version would read as `'0'`).
   */
  async witnessedVersion(scope: CacheScope, versionKey: string, witnessId: string): Promise<string | undefined> {
    const [rawVersion, witness] = await this.cache.getMany([versionKey, this.key(scope, witnessId)]);
    return witness === undefined ? undefined : (rawVersion ?? '0');
  }

  /** Writes values read under `version`, fresh for `ttlSeconds`, kept `staleMs` longer. */
  async write<T>(
    scope: CacheScope,
    version: string,
    entries: ReadonlyArray<readonly [string, T]>,
    ttlSeconds: number,
    staleMs: number,
  ): Promise<void> {
    if (ttlSeconds <= 0 || entries.length === 0) return;
    const f = this.now() + ttlSeconds * 1000;
    await this.cache.setMany(
      entries.map(([id, d]) => [this.key(scope, id), JSON.stringify({ v: version, d, f } satisfies Stored<T>)] as const),
      ttlSeconds * 1000 + staleMs,
    );
  }
}

/** One raw entry against the scope's current version and the clock. */
function classify<T>(raw: string | undefined, version: string, now: number, staleMs: number): Lookup<T> {
  if (raw === undefined) return { state: 'miss' };
  let stored: Stored<T>;
  try {
    stored = JSON.parse(raw) as Stored<T>;
  } catch {
    return { state: 'miss' };
  }
  if (stored.v !== version) return { state: 'miss' };
  if (stored.f === undefined) return { state: 'fresh', value: stored.d };
  if (stored.f + staleMs <= now) return { state: 'miss' };
  return { state: stored.f > now ? 'fresh' : 'stale', value: stored.d, freshUntil: stored.f };
}
