/**
 * One cache interface, two implementations: {@link RedisCache} (single node or cluster) and
 * {@link MemoryCache} (in-process, when no Redis is configured).
 *
 * Contract every implementation keeps:
 * - A failing backend never fails the caller: reads answer "miss", writes are dropped, and
 *   `health()` says so. The gateway keeps answering from upstreams.
 * - Multi-key calls (`getMany`, `setMany`) take keys of ONE hash slot only (same `{hash tag}`),
 *   so they work on Redis Cluster too. {@link cacheKey} builds such keys.
 */
export interface Cache {
  readonly kind: 'redis' | 'redis-cluster' | 'memory';
  get(key: string): Promise<string | undefined>;
  /** Values of keys sharing one hash slot, in order; undefined where absent. */
  getMany(keys: readonly string[]): Promise<Array<string | undefined>>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Writes keys sharing one hash slot, each with the same TTL. */
  setMany(entries: ReadonlyArray<readonly [string, string]>, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic increment (creates the key at 1); undefined when the backend is down. */
  increment(key: string): Promise<number | undefined>;
  /** Short lock: `acquired`, `held` by someone else, or `unavailable` (backend down). */
  acquireLock(key: string, owner: string, ttlMs: number): Promise<'acquired' | 'held' | 'unavailable'>;
  /** Releases the lock only if `owner` still holds it. */
  releaseLock(key: string, owner: string): Promise<void>;
  health(): CacheHealth;
  close(): Promise<void>;
  /**
   * Messages between the processes sharing this cache (Redis pub/sub), where the backend can
   * carry them; absent otherwise (in-process cache, Redis Cluster).
   */
  readonly broadcast?: CacheBroadcast;
}

/**
 * At-most-once messages to every process listening on a channel (this one included). A
 * listener is told when it starts listening and when it stops (connection lost): messages sent
 * while it was not listening are lost, so it must trust nothing it learned from them before.
 */
export interface CacheBroadcast {
  /** Sends `message` to the channel's listeners; false when the backend did not take it. */
  publish(channel: string, message: string): Promise<boolean>;
  /** Listens on `channel` (on a connection of its own, closed with the cache). */
  listen(channel: string, onMessage: (message: string) => void, onListening: (listening: boolean) => void): void;
}

export type CacheHealth = { state: 'up'; kind: Cache['kind'] } | { state: 'down'; kind: Cache['kind']; since: string; reason: string };

/**
 * Builds a namespaced key. `scope` becomes the Redis Cluster hash tag, so every key of one
 * (namespace, identity) pair lands in one slot and can be read with one MGET.
 *
 * `identity` must already be a hash of the upstream identity (see `principal.ts`), never a
 * raw credential.
 */
export function cacheKey(prefix: string, namespace: string, identity: string, ...parts: string[]): string {
  return `${prefix}:{${namespace}:${identity}}${parts.length ? ':' + parts.map(encodeKeyPart).join(':') : ''}`;
}

function encodeKeyPart(part: string): string {
  // Keys stay readable in redis-cli; only the separator and the hash-tag braces are escaped.
  return part.replace(/[%:{}]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
