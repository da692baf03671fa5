/** One value held hot, with what decides whether it may be served. */
export interface HotEntry {
  /** Scope version the value was read under. */
  readonly v: string;
  /** This process's invalidation count (epoch) of the scope when it was read. */
  readonly e: number;
  /** The value, deeply frozen. */
  readonly d: unknown;
  /** Fresh until (epoch ms, the cache's clock). */
  readonly freshUntil: number;
}

/**
 * The hot layer: entries this process read from the shared cache, parsed once and frozen, so a
 * warm read neither parses nor copies. Bounded in all (not per scope): past `maxEntries`, the
 * entries of the scope remembered longest ago go first. Kept per scope and keyed by the ids the
 * callers already hold, so a warm read builds no key per id.
 *
 * It knows nothing of versions beyond storing them: whether a hot entry may be served is the
 * {@link ResultCache}'s decision (the entry's version and epoch against the scope's).
 */
export class HotResults {
  private readonly scopes = new Map<string, Map<string, HotEntry>>();
  private count = 0;

  /** `maxEntries`: most entries kept across every scope (> 0). */
  constructor(private readonly maxEntries: number) {
    if (!(maxEntries > 0)) throw new TypeError(`HotResults needs a positive maxEntries, got ${maxEntries}`);
  }

  /** Entries held now, across scopes. */
  get size(): number {
    return this.count;
  }

  /**
   * The entries of `ids` in order, if every one is held and fresh at `now`; otherwise null.
   * The warm path: one array, no other allocation.
   */
  hits(scopeKey: string, ids: readonly string[], now: number): HotEntry[] | null {
    const entries = this.scopes.get(scopeKey);
    if (entries === undefined || ids.length === 0) return null;
    const hits = new Array<HotEntry>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const hit = id === undefined ? undefined : entries.get(id);
      if (hit === undefined || hit.freshUntil <= now) return null;
      hits[i] = hit;
    }
    return hits;
  }

  /** Holds `entry` for `id` (its value frozen here), replacing what was held; evicts past the bound. */
  remember(scopeKey: string, id: string, entry: HotEntry): void {
    deepFreeze(entry.d);
    let entries = this.scopes.get(scopeKey);
    if (!entries) {
      entries = new Map();
      this.scopes.set(scopeKey, entries);
    }
    if (entries.delete(id)) this.count -= 1;
    entries.set(id, entry);
    this.count += 1;
    // Over the bound: the oldest entries of the scope remembered longest ago go first.
    for (const [oldestScope, oldest] of this.scopes) {
      if (this.count <= this.maxEntries) break;
      for (const oldestId of oldest.keys()) {
        if (this.count <= this.maxEntries) break;
        oldest.delete(oldestId);
        this.count -= 1;
      }
      if (oldest.size === 0) this.scopes.delete(oldestScope);
    }
  }
}

/** Freezes a value shared by every request of the process: a resolver that mutates it fails loudly. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
