import { Coalescer } from './coalescer';
import type { CacheScope } from './shared-results';

/** Fetches (and stores) `ids`, answering a value or an Error per id; an id left out answers an Error. */
export type FetchIds = (ids: string[], signal: AbortSignal) => Promise<Map<string, unknown>>;

/**
 * The result cache's hook into the {@link Coalescer}: in-flight upstream reads of one process
 * shared per `(scope, version, epoch, id)`. The version and this process's epoch are part of
 * the key, so a read that starts after a mutation never joins a call that started before it.
 */
export class ResultFlights {
  private readonly coalescer: Coalescer<unknown>;

  constructor(now: () => number) {
    this.coalescer = new Coalescer({ now });
  }

  /**
   * One answer per id of `ids` (distinct), in order: ids another request is fetching are
   * awaited, the rest fetched with one call of `fetch`. `shared`: how many were joined.
   */
  async load(
    scope: CacheScope,
    version: string,
    epoch: number,
    ids: readonly string[],
    fetch: FetchIds,
    signal?: AbortSignal,
    lingerMs = 0,
  ): Promise<{ values: unknown[]; shared: number }> {
    const prefix = `${scope.namespace}\u0000${scope.identity}\u0000${version}/${epoch}\u0000`;
    const keys = ids.map((id) => prefix + id);
    const { values, shared } = await this.coalescer.loadMany(
      keys,
      async (batch, batchSignal) => {
        const answer = await fetch(
          batch.map((key) => key.slice(prefix.length)),
          batchSignal,
        );
        const byKey = new Map<string, unknown>();
        for (const [id, value] of answer) byKey.set(prefix + id, value);
        return byKey;
      },
      signal,
      { lingerMs },
    );
    return { values, shared };
  }
}
