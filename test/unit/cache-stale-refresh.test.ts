import { MemoryCache } from '../../src/cache/memory-cache';
import { StaleRefresh } from '../../src/cache/stale-refresh';

const scope = { namespace: 'thing', identity: 'id-1' };

describe('StaleRefresh: one background refresh per stale entry', () => {
  it('refreshes an id once while a refresh of it is running in this process', async () => {
    const refresh = new StaleRefresh(new MemoryCache(), 'unit');
    const calls: string[][] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const run = async (ids: string[]) => {
      calls.push(ids);
      await held;
    };
    refresh.start(scope, '0', 0, ['a', 'b'], 1000, run);
    refresh.start(scope, '0', 0, ['b', 'c'], 1000, run);
    release();
    await refresh.idle();
    expect(calls).toEqual([['a', 'b'], ['c']]);
  });

  it('two processes sharing the cache: the one that takes the lock refreshes, the other does not', async () => {
    const cache = new MemoryCache();
    const calls: string[] = [];
    const here = new StaleRefresh(cache, 'unit');
    const there = new StaleRefresh(cache, 'unit');
    here.start(scope, '0', 0, ['a'], 1000, async () => void calls.push('here'));
    await here.idle();
    there.start(scope, '0', 0, ['a'], 1000, async () => void calls.push('there'));
    await there.idle();
    expect(calls).toEqual(['here']);
    // Another version of the scope is another entry: refreshed again.
    there.start(scope, '1', 0, ['a'], 1000, async () => void calls.push('there'));
    await there.idle();
    expect(calls).toEqual(['here', 'there']);
  });

  it('a failed refresh is reported and frees the id for the next one', async () => {
    const failures: string[] = [];
    const refresh = new StaleRefresh(new MemoryCache(), 'unit', { onFailure: (_s, err) => failures.push(String(err)) });
    refresh.start(scope, '0', 0, ['a'], 1, async () => {
      throw new Error('upstream down');
    });
    await refresh.idle();
    expect(failures).toEqual(['Error: upstream down']);
    const refreshed: number[] = [];
    const again = new StaleRefresh(new MemoryCache(), 'unit', { onRefreshed: (n) => refreshed.push(n) });
    again.start(scope, '0', 0, ['a', 'b'], 1000, async () => undefined);
    await again.idle();
    expect(refreshed).toEqual([2]);
  });
});
