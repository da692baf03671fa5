import type { Cache, CacheHealth } from './cache';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first. Default 50 000. */
  maxEntries?: number;
  /**
   * Most bytes of keys and values kept (UTF-16: two per character), the least recently used
   * going first. Default 64 MiB: entries are client-influenced (persisted queries of up to
   * OPERATION_MAX_QUERY_BYTES each), so a count alone would not bound the heap.
   */
  maxBytes?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** In-process cache used when no Redis is configured: LRU-bounded, TTL per entry. */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;
  private readonly now: () => number;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 50_000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string | undefined> {
    return this.read(key);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    return keys.map((k) => this.read(k));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async setMany(entries: ReadonlyArray<readonly [string, string]>, ttlMs: number): Promise<void> {
    for (const [k, v] of entries) this.write(k, v, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  async increment(key: string): Promise<number> {
    const next = Number(this.read(key) ?? '0') + 1;
    this.write(key, String(next), Number.POSITIVE_INFINITY);
    return next;
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<'acquired' | 'held'> {
    if (this.read(key) !== undefined) return 'held';
    this.write(key, owner, ttlMs);
    return 'acquired';
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    if (this.read(key) === owner) this.remove(key);
  }

  health(): CacheHealth {
    return { state: 'up', kind: this.kind };
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  private read(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  private write(key: string, value: string, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.remove(key);
    const size = sizeOf(key, value);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    this.bytes += size;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.remove(oldest.value);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= sizeOf(key, entry.value);
  }
}

function sizeOf(key: string, value: string): number {
  return 2 * (key.length + value.length);
}
