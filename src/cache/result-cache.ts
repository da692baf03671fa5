import type { Cache } from './cache';
import { cacheKey } from './cache';
import type { Metrics } from '../observability/metrics';

/**
 * Shared result cache: the second of the gateway's two cache layers.
 *
 * 1. Per request, each DataLoader dedupes and batches the keys one operation asks for
 *    (`src/upstreams/<name>/loaders.ts`); nothing outlives the request.
 * 2. Across requests and processes, this TTL cache holds upstream results in the {@link Cache}
 *    (Redis when configured). Every entry is scoped by `(namespace, identity)`, where identity is
 *    the hash of the upstream credential that fetched it, so nothing one caller fetched is ever
 *    served to a caller with another identity.
 *
 * Invalidation is versioned: each scope has a version counter stored beside its entries (same
 * hash slot), every entry records the version it was read under, and a mutation bumps the
 * version. A value whose load started before the bump is written with the old version and so is
 * never served: an in-flight read cannot resurrect what a mutation invalidated.
 */
export interface CacheScope {
  /** What kind of result, e.g. `pipeline-status`. */
  namespace: string;
  /** Hash of the upstream identity (see `principal.ts`). */
  identity: string;
}

interface Stored<T> {
  v: string;
  d: T;
}

export interface CachedRead<T> {
  /** One value per id, `undefined` where not cached (a cached `null` is a real answer). */
  values: Array<T | undefined>;
  /** Scope version the read saw: pass it to {@link ResultCache.writeMany}. */
  version: string;
}

export class ResultCache {
  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
    private readonly metrics?: Metrics,
  ) {}

  async readMany<T>(scope: CacheScope, ids: readonly string[]): Promise<CachedRead<T>> {
    const keys = [this.versionKey(scope), ...ids.map((id) => this.key(scope, id))];
    const [rawVersion, ...raw] = await this.cache.getMany(keys);
    const version = rawVersion ?? '0';
    const values = raw.map((r): T | undefined => {
      if (r === undefined) return undefined;
      try {
        const stored = JSON.parse(r) as Stored<T>;
        return stored.v === version ? stored.d : undefined;
      } catch {
        return undefined;
      }
    });
    if (this.metrics && ids.length) {
      const hits = values.filter((v) => v !== undefined).length;
      if (hits) this.metrics.cacheLookups.inc({ layer: 'shared', result: 'hit' }, hits);
      if (ids.length - hits) this.metrics.cacheLookups.inc({ layer: 'shared', result: 'miss' }, ids.length - hits);
    }
    return { values, version };
  }

  async writeMany<T>(
    scope: CacheScope,
    version: string,
    entries: ReadonlyArray<readonly [string, T]>,
    ttlSeconds: number,
  ): Promise<void> {
    if (ttlSeconds <= 0 || entries.length === 0) return;
    await this.cache.setMany(
      entries.map(([id, d]) => [this.key(scope, id), JSON.stringify({ v: version, d } satisfies Stored<T>)] as const),
      ttlSeconds * 1000,
    );
  }

  /** Cached value of one id, or the loaded one (then cached). */
  async getOrLoad<T>(scope: CacheScope, id: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const { values, version } = await this.readMany<T>(scope, [id]);
    const hit = values[0];
    if (hit !== undefined) return hit;
    const loaded = await load();
    await this.writeMany(scope, version, [[id, loaded]], ttlSeconds);
    return loaded;
  }

  /** Makes every cached entry of the scope stale (after a mutation). */
  async invalidate(scope: CacheScope): Promise<void> {
    await this.cache.increment(this.versionKey(scope));
  }

  private key(scope: CacheScope, id: string): string {
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'r', id);
  }

  private versionKey(scope: CacheScope): string {
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'version');
  }
}
