import type { Cache } from './cache';
import { cacheKey } from './cache';
import type { CacheScope } from './shared-results';

/**
 * Versioned invalidation, and how this process learns of it.
 *
 * Each scope has a version counter in the shared cache beside its entries (same hash slot); a
 * mutation bumps it ({@link invalidate}). Beside it, this process counts its own invalidations
 * per scope (the epoch): a read whose version lookup failed still never takes anything from
 * before this process's own mutation.
 *
 * `push` mode (where the cache can broadcast): {@link invalidate} publishes the version key, and
 * every process forgets the version it remembered for that key when the message arrives, so a
 * warm read whose version is {@link known} needs no round trip. Nothing is trusted that could have
 * missed a message: a version read overtaken by a message (or by a change of listening) is not
 * remembered ({@link readStarted} / {@link learned}), and losing the subscription forgets all.
 * `check` mode: nothing is remembered; every warm read reads the version.
 */
export class ScopeVersions {
  /** Invalidations this process made, per scope key. */
  private readonly epochs = new Map<string, number>();
  /** Version keys by scope key, so the warm path builds none (bounded by `maxScopes`). */
  private readonly versionKeys = new Map<string, string>();
  /** `push` mode: versions known to be current, by version key (null in `check` mode). */
  private readonly versions: Map<string, string> | null;
  private listening = false;
  /** Bumped by every message and every change of listening: reads from before may be outdated. */
  private generation = 0;

  /**
   * `maxScopes`: most scopes whose version key and known version are remembered (past it, all
   * are forgotten: scopes are few unless callers bring many tokens).
   */
  constructor(
    private readonly cache: Cache,
    private readonly prefix: string,
    mode: 'push' | 'check',
    private readonly maxScopes: number,
  ) {
    const broadcast = mode === 'push' ? cache.broadcast : undefined;
    this.versions = broadcast ? new Map() : null;
    const versions = this.versions;
    if (broadcast && versions) {
      broadcast.listen(
        this.channel(),
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

  /** How warm reads learn of invalidations now: `push` only while the channel is listened to. */
  mode(): 'push' | 'check' {
    return this.versions && this.listening ? 'push' : 'check';
  }

  /** This process's invalidation count of a scope. */
  epoch(scopeKey: string): number {
    return this.epochs.get(scopeKey) ?? 0;
  }

  /** The version key of a scope, remembered per scope key for the warm path. */
  versionKeyOf(scopeKey: string, scope: CacheScope): string {
    let key = this.versionKeys.get(scopeKey);
    if (key === undefined) {
      if (this.versionKeys.size >= this.maxScopes) this.versionKeys.clear();
      key = this.versionKey(scope);
      this.versionKeys.set(scopeKey, key);
    }
    return key;
  }

  versionKey(scope: CacheScope): string {
    return cacheKey(this.prefix, scope.namespace, scope.identity, 'version');
  }

  /** The version known current without a read (`push` mode, listening), else undefined. */
  known(versionKey: string): string | undefined {
    return this.listening ? this.versions?.get(versionKey) : undefined;
  }

  /** Call before reading a version; hand the answer to {@link learned}. */
  readStarted(): number {
    return this.generation;
  }

  /** Remembers a version read since `started`, unless a message (or lost subscription) came meanwhile. */
  learned(versionKey: string, version: string, started: number): void {
    if (!this.versions || !this.listening || started !== this.generation) return;
    if (this.versions.size >= this.maxScopes) this.versions.clear();
    this.versions.set(versionKey, version);
  }

  /** Makes every entry of the scope outdated, here at once and in every process sharing the cache. */
  async invalidate(scope: CacheScope, scopeKey: string): Promise<void> {
    this.epochs.set(scopeKey, this.epoch(scopeKey) + 1);
    const versionKey = this.versionKey(scope);
    this.generation += 1;
    this.versions?.delete(versionKey);
    await this.cache.increment(versionKey);
    // Published after the increment: a process told of it reads the new version. Every
    // process listens, so one that never read this scope simply has nothing to forget.
    if (this.cache.broadcast) await this.cache.broadcast.publish(this.channel(), versionKey);
  }

  private channel(): string {
    return `${this.prefix}:invalidations`;
  }
}
