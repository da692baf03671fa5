import { createHash } from 'node:crypto';
import type { Cache } from './cache';
import { cacheKey } from './cache';
import type { CacheScope } from './shared-results';

/** Refreshes the given ids (fetch and write them back); rejects when the refresh failed. */
export type Refresh = (ids: string[]) => Promise<void>;

export interface StaleRefreshOptions {
  /** Told of a failed refresh (the stale value stays). */
  onFailure?: (scope: CacheScope, err: unknown) => void;
  /** Told how many ids a refresh replaced. */
  onRefreshed?: (count: number) => void;
}

/**
 * Stale-while-revalidate's "refresh once": an entry served stale is refreshed by ONE background
 * call, once per process (an in-process guard on the refresh key) and once across processes (a
 * short lock per entry in the shared cache; a cache that is down cannot arbitrate, so this
 * process refreshes on its own). A refresh that fails leaves the stale value in place.
 */
export class StaleRefresh {
  /** Refresh keys (scope, version, id) being refreshed by this process now. */
  private readonly refreshing = new Set<string>();
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
    private readonly options: StaleRefreshOptions = {},
  ) {}

  /**
   * Starts one background refresh of the `ids` of `scope` read under `version` (and this
   * process's `epoch` of the scope) that no one else is refreshing. `lockMs`: how long the cross-process lock holds (it is left to expire:
   * released early, a process that read the stale entry just before our write could take it and
   * refresh a second time).
   */
  start(scope: CacheScope, version: string, epoch: number, ids: readonly string[], lockMs: number, refresh: Refresh): void {
    const keyOf = (id: string) => `${scope.namespace}\u0000${scope.identity}\u0000${version}/${epoch}\u0000${id}`;
    const ours = ids.filter((id) => !this.refreshing.has(keyOf(id)));
    if (!ours.length) return;
    for (const id of ours) this.refreshing.add(keyOf(id));
    const owner = `${process.pid}:${Date.now()}`;
    const run = (async () => {
      try {
        const locks = await Promise.all(ours.map((id) => this.cache.acquireLock(this.lockKey(scope, version, id), owner, lockMs)));
        const toRefresh = ours.filter((_id, i) => locks[i] !== 'held');
        if (!toRefresh.length) return;
        await refresh(toRefresh);
        this.options.onRefreshed?.(toRefresh.length);
      } catch (err) {
        this.options.onFailure?.(scope, err);
      } finally {
        for (const id of ours) this.refreshing.delete(keyOf(id));
      }
    })();
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  /** Resolves when every refresh started so far has ended (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  private lockKey(scope: CacheScope, version: string, id: string): string {
    // Hashed: ids can be long, and the lock key only needs to be unique.
    const digest = createHash('sha256').update(`${version}\u0000${id}`).digest('hex').slice(0, 24);
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'refresh', digest);
  }
}
