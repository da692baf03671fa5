import type { Cache, CacheBroadcast } from '../../src/cache/cache';
import { MemoryCache } from '../../src/cache/memory-cache';
import { ResultCache, type CacheScope } from '../../src/cache/result-cache';

const scope: CacheScope = { namespace: 'thing', identity: 'id-hash-1' };

/**
 * Its loads answer once their cache writes have landed, as these tests read the cache back at
 * once. The answer itself never waits for the write (test/integration/cache-write-behind.test.ts).
 */
function landing(results: ResultCache): ResultCache {
  const loadMany = results.loadMany.bind(results);
  results.loadMany = (async (...args: Parameters<ResultCache['loadMany']>) => {
    const values = await loadMany(...args);
    await results.written();
    return values;
  }) as ResultCache['loadMany'];
  return results;
}

/** A fake upstream: the value of an id is `${id}@${generation}`; calls are recorded and can be held. */
function fakeUpstream() {
  let generation = 1;
  let hold: Promise<void> | null = null;
  let releaseHold: () => void = () => undefined;
  const calls: string[][] = [];
  return {
    calls,
    /** The upstream's data changes (what a mutation does). */
    change: () => (generation += 1),
    /** Calls from now on wait until release(); answers are computed when the call STARTS. */
    holdCalls() {
      hold = new Promise<void>((r) => (releaseHold = r));
    },
    release() {
      releaseHold();
      hold = null;
    },
    fail: false,
    async fetch(ids: string[]): Promise<Map<string, string | Error>> {
      calls.push(ids);
      const answer = new Map(ids.map((id) => [id, `${id}@${generation}`] as [string, string | Error]));
      if (hold) await hold;
      if (this.fail) throw new Error('upstream down');
      return answer;
    },
  };
}

function setup(staleSeconds = 30) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const cache = new MemoryCache({ now: clock.now });
  const results = landing(new ResultCache(cache, 'unit', undefined, { staleSeconds: { pipeline: staleSeconds }, now: clock.now }));
  const upstream = fakeUpstream();
  const load = (ids: string[], rc = results) =>
    rc.loadMany<string>(scope, ids, { upstream: 'pipeline', ttlSeconds: 10 }, (missing) => upstream.fetch(missing));
  return { cache, results, clock, upstream, load };
}

describe('ResultCache: TTL, stale-while-revalidate per upstream, coalescing, versioned invalidation', () => {
  it('serves fresh entries without calling the upstream, and fetches only the misses in one call', async () => {
    const { upstream, load } = setup();
    expect(await load(['a', 'b'])).toEqual(['a@1', 'b@1']);
    expect(await load(['a', 'b', 'c'])).toEqual(['a@1', 'b@1', 'c@1']);
    expect(upstream.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('past the TTL serves the stale value at once and refreshes it once in the background', async () => {
    const { upstream, load, results, clock } = setup();
    await load(['a', 'b']);
    upstream.change();
    clock.advance(11_000);
    upstream.holdCalls();
    // Three requests see the stale entries while the refresh is in flight: one refresh only.
    expect(await load(['a', 'b'])).toEqual(['a@1', 'b@1']);
    expect(await load(['a'])).toEqual(['a@1']);
    expect(await load(['b', 'a'])).toEqual(['b@1', 'a@1']);
    upstream.release();
    await results.idle();
    expect(upstream.calls).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(await load(['a', 'b'])).toEqual(['a@2', 'b@2']);
    expect(upstream.calls).toHaveLength(2);
  });

  it('past the stale window an entry is a miss (fetched in the foreground)', async () => {
    const { upstream, load, clock } = setup(5);
    await load(['a']);
    upstream.change();
    clock.advance(15_001);
    expect(await load(['a'])).toEqual(['a@2']);
    expect(upstream.calls).toHaveLength(2);
  });

  it('an upstream without a stale window misses as soon as the TTL passes', async () => {
    const { upstream, results, clock } = setup();
    const loadBandwidth = () =>
      results.loadMany<string>(scope, ['a'], { upstream: 'bandwidth', ttlSeconds: 10 }, (ids) => upstream.fetch(ids));
    await loadBandwidth();
    upstream.change();
    clock.advance(10_001);
    expect(await loadBandwidth()).toEqual(['a@2']);
  });

  it('a failed refresh keeps serving the stale value (the upstream being down is not the caller’s problem)', async () => {
    const { upstream, load, results, clock } = setup();
    await load(['a']);
    clock.advance(11_000);
    upstream.fail = true;
    expect(await load(['a'])).toEqual(['a@1']);
    await results.idle();
    clock.advance(1_000);
    expect(await load(['a'])).toEqual(['a@1']);
  });

  it('two processes sharing the cache refresh a stale entry once between them', async () => {
    const { cache, upstream, load, results, clock } = setup();
    const other = landing(new ResultCache(cache, 'unit', undefined, { staleSeconds: { pipeline: 30 }, now: clock.now }));
    await load(['a']);
    clock.advance(11_000);
    upstream.holdCalls();
    await Promise.all([load(['a']), load(['a'], other)]);
    upstream.release();
    await Promise.all([results.idle(), other.idle()]);
    expect(upstream.calls).toEqual([['a'], ['a']]);
  });

  it('a background refresh that started before a mutation never resurrects the invalidated value', async () => {
    const { upstream, load, results, clock } = setup();
    await load(['a']);
    clock.advance(11_000);
    upstream.holdCalls();
    // The refresh reads the upstream BEFORE the mutation (answer a@1) ...
    expect(await load(['a'])).toEqual(['a@1']);
    upstream.change();
    await results.invalidate(scope);
    // ... and lands after it: its write carries the old version, so it is never served.
    upstream.release();
    await results.idle();
    expect(await load(['a'])).toEqual(['a@2']);
    expect(upstream.calls).toHaveLength(3);
  });

  it('a request after a mutation never joins an upstream call that started before it', async () => {
    const { upstream, load, results } = setup();
    upstream.holdCalls();
    const before = load(['a']);
    await new Promise((r) => setImmediate(r));
    upstream.change();
    await results.invalidate(scope);
    upstream.release();
    const after = load(['a']);
    expect(await before).toEqual(['a@1']);
    expect(await after).toEqual(['a@2']);
    // And the pre-mutation answer was not cached under the new version.
    expect(await load(['a'])).toEqual(['a@2']);
    expect(upstream.calls).toEqual([['a'], ['a']]);
  });

  it('concurrent requests for the same misses share one upstream call', async () => {
    const { upstream, load } = setup();
    upstream.holdCalls();
    const answers = Array.from({ length: 20 }, () => load(['a', 'b']));
    await new Promise((r) => setImmediate(r));
    upstream.release();
    for (const a of await Promise.all(answers)) expect(a).toEqual(['a@1', 'b@1']);
    expect(upstream.calls).toEqual([['a', 'b']]);
  });

  it('errors are answered per id and never cached', async () => {
    const { results } = setup();
    let calls = 0;
    const fetch = async (ids: string[]) => {
      calls += 1;
      return new Map<string, string | Error>(ids.map((id) => [id, id === 'bad' ? new Error('unmappable row') : id]));
    };
    const opts = { upstream: 'pipeline' as const, ttlSeconds: 10 };
    const first = await results.loadMany<string>(scope, ['ok', 'bad'], opts, fetch);
    expect(first[0]).toBe('ok');
    expect(first[1]).toBeInstanceOf(Error);
    await results.loadMany<string>(scope, ['ok', 'bad'], opts, fetch);
    expect(calls).toBe(2);
  });

  it('identities never share entries or in-flight calls', async () => {
    const { results, upstream } = setup();
    const other: CacheScope = { namespace: 'thing', identity: 'id-hash-2' };
    const opts = { upstream: 'pipeline' as const, ttlSeconds: 10 };
    await Promise.all([
      results.loadMany<string>(scope, ['a'], opts, (ids) => upstream.fetch(ids)),
      results.loadMany<string>(other, ['a'], opts, (ids) => upstream.fetch(ids)),
    ]);
    expect(upstream.calls).toEqual([['a'], ['a']]);
  });

  it('readMany/writeMany (the plain API) see fresh entries only', async () => {
    const { results, clock } = setup();
    const { version } = await results.readMany<string>(scope, ['x']);
    await results.writeMany(scope, version, [['x', 'X']], 10, 'pipeline');
    expect((await results.readMany<string>(scope, ['x'])).values).toEqual(['X']);
    clock.advance(10_001);
    expect((await results.readMany<string>(scope, ['x'])).values).toEqual([undefined]);
  });

  it('getOrLoad caches one value and shares concurrent loads', async () => {
    const { results } = setup();
    let calls = 0;
    const load = async () => ({ n: ++calls });
    const [a, b] = await Promise.all([results.getOrLoad(scope, 'one', 10, load), results.getOrLoad(scope, 'one', 10, load)]);
    expect(a).toEqual({ n: 1 });
    expect(b).toEqual({ n: 1 });
    expect(await results.getOrLoad(scope, 'one', 10, load)).toEqual({ n: 1 });
    expect(calls).toBe(1);
  });

  describe('hot layer beside a shared cache', () => {
    /** A shared (Redis-like) cache: a MemoryCache that says it is Redis and counts reads. */
    function sharedCache(now: () => number) {
      const inner = new MemoryCache({ now });
      const reads = { get: 0, getMany: 0, keys: 0 };
      const cache: Cache = Object.assign(Object.create(inner) as MemoryCache, {
        kind: 'redis' as const,
        get: (key: string) => {
          reads.get += 1;
          return inner.get(key);
        },
        getMany: (keys: readonly string[]) => {
          reads.getMany += 1;
          reads.keys += keys.length;
          return inner.getMany(keys);
        },
      });
      return { cache, reads };
    }

    it('serves fresh entries from the process after one read of the version, and sees another process’s invalidation at once', async () => {
      let now = 1_000_000;
      const { cache, reads } = sharedCache(() => now);
      const here = landing(new ResultCache(cache, 'unit', undefined, { staleSeconds: { pipeline: 30 }, now: () => now }));
      const there = landing(new ResultCache(cache, 'unit', undefined, { staleSeconds: { pipeline: 30 }, now: () => now }));
      const upstream = fakeUpstream();
      const load = () => here.loadMany<string>(scope, ['a', 'b'], { upstream: 'pipeline', ttlSeconds: 10 }, (ids) => upstream.fetch(ids));
      expect(await load()).toEqual(['a@1', 'b@1']);
      expect(await load()).toEqual(['a@1', 'b@1']); // read from the shared cache, kept hot
      reads.get = reads.getMany = reads.keys = 0;
      expect(await load()).toEqual(['a@1', 'b@1']);
      // The version key and one entry (proof Redis answered), not every entry.
      expect(reads).toEqual({ get: 0, getMany: 1, keys: 2 });

      upstream.change();
      await there.invalidate(scope);
      expect(await load()).toEqual(['a@2', 'b@2']);
      expect(upstream.calls).toHaveLength(2);

      // Past the TTL the hot copy is not used: the shared entry decides (stale, refreshed once).
      now += 11_000;
      reads.get = reads.getMany = reads.keys = 0;
      expect(await load()).toEqual(['a@2', 'b@2']);
      expect(reads).toEqual({ get: 0, getMany: 1, keys: 3 });
      await here.idle();
    });

    it('keeps at most `hotEntries` hot across scopes, dropping those remembered longest ago first', async () => {
      const { cache, reads } = sharedCache(Date.now);
      const here = landing(new ResultCache(cache, 'unit', undefined, { hotEntries: 3 }));
      const upstream = fakeUpstream();
      const other: CacheScope = { namespace: 'thing', identity: 'id-hash-2' };
      const load = (s: CacheScope, ids: string[]) =>
        here.loadMany<string>(s, ids, { ttlSeconds: 10 }, (missing) => upstream.fetch(missing));
      // Written, then read from the shared cache and kept hot: a and b of one scope, then c and d of another.
      for (let i = 0; i < 2; i++) {
        await load(scope, ['a', 'b']);
        await load(other, ['c', 'd']);
      }
      const readsOf = async (s: CacheScope, ids: string[]) => {
        reads.get = reads.getMany = reads.keys = 0;
        expect(await load(s, ids)).toEqual(ids.map((id) => `${id}@1`));
        return reads.keys;
      };
      // c and d are hot (the version and one entry); of the first scope only b still is, so
      // asking for a and b reads both entries again.
      expect(await readsOf(other, ['c', 'd'])).toBe(2);
      expect(await readsOf(scope, ['b'])).toBe(2);
      expect(await readsOf(scope, ['a', 'b'])).toBe(3);
      expect(upstream.calls).toHaveLength(2);
    });

    /** An in-memory pub/sub for the processes of one test; `listening` can be cut and restored. */
    function fakeBroadcast() {
      const listeners: Array<{ channel: string; onMessage: (m: string) => void; onListening: (l: boolean) => void; on: boolean }> = [];
      const broadcast: CacheBroadcast = {
        async publish(channel, message) {
          for (const l of listeners) if (l.on && l.channel === channel) l.onMessage(message);
          return true;
        },
        listen(channel, onMessage, onListening) {
          const l = { channel, onMessage, onListening, on: true };
          listeners.push(l);
          onListening(true);
        },
      };
      const setListening = (on: boolean) => {
        for (const l of listeners) {
          l.on = on;
          l.onListening(on);
        }
      };
      return { broadcast, setListening };
    }

    function pushSetup() {
      const { cache, reads } = sharedCache(Date.now);
      const { broadcast, setListening } = fakeBroadcast();
      Object.assign(cache, { broadcast });
      const here = landing(new ResultCache(cache, 'unit'));
      const there = landing(new ResultCache(cache, 'unit'));
      const upstream = fakeUpstream();
      const load = (rc = here) => rc.loadMany<string>(scope, ['a', 'b'], { ttlSeconds: 10 }, (ids) => upstream.fetch(ids));
      const resetReads = () => (reads.get = reads.getMany = reads.keys = 0);
      return { cache, reads, resetReads, setListening, here, there, upstream, load };
    }

    it('push mode: hot reads make no round trip once the version is known, and another process’s invalidation arrives as a message', async () => {
      const { reads, resetReads, here, there, upstream, load } = pushSetup();
      expect(here.invalidationMode()).toBe('push');
      await load(); // fetched and written
      await load(); // read from the shared cache, kept hot
      await load(); // hot: the version read once, and remembered
      resetReads();
      for (let i = 0; i < 5; i++) expect(await load()).toEqual(['a@1', 'b@1']);
      expect(reads).toEqual({ get: 0, getMany: 0, keys: 0 });

      upstream.change();
      await there.invalidate(scope);
      expect(await load()).toEqual(['a@2', 'b@2']);
      expect(upstream.calls).toHaveLength(2);
    });

    it('push mode: while not listening, every hot read checks the version, and nothing learned before is trusted after', async () => {
      const { reads, resetReads, setListening, here, there, upstream, load } = pushSetup();
      await load();
      await load();
      await load();
      setListening(false);
      expect(here.invalidationMode()).toBe('check');
      resetReads();
      expect(await load()).toEqual(['a@1', 'b@1']);
      expect(reads).toEqual({ get: 0, getMany: 1, keys: 2 });
      // An invalidation whose message is lost: seen anyway, by the version read.
      upstream.change();
      await there.invalidate(scope);
      expect(await load()).toEqual(['a@2', 'b@2']);
      // Listening again: the fresh values are read in full, then the version is read (not taken
      // from before the gap) and remembered: no read after that.
      setListening(true);
      resetReads();
      await load();
      await load();
      await load();
      await load();
      expect(reads).toEqual({ get: 0, getMany: 2, keys: 3 + 2 });
    });

    it('push mode: a version read that an invalidation message overtook is not remembered', async () => {
      const { cache, there, upstream, load } = pushSetup();
      await load();
      await load();
      // The next version read is answered with the version from before the invalidation that
      // lands while it is under way (as a slow Redis reply could be).
      const getMany = cache.getMany.bind(cache);
      cache.getMany = async (keys: readonly string[]) => {
        const answer = await getMany(keys);
        upstream.change();
        await there.invalidate(scope);
        cache.getMany = getMany;
        return answer;
      };
      expect(await load()).toEqual(['a@1', 'b@1']); // served under the version it read: fine then
      expect(await load()).toEqual(['a@2', 'b@2']); // but not remembered: the next read sees the change
    });

    it('check mode (RESULT_CACHE_INVALIDATION=check) reads the version on every hot read even where the cache can broadcast', async () => {
      const { cache, reads, resetReads } = pushSetup();
      const strict = landing(new ResultCache(cache, 'unit', undefined, { invalidation: 'check' }));
      const load = () => strict.loadMany<string>(scope, ['a'], { ttlSeconds: 10 }, async (ids) => new Map(ids.map((id) => [id, id])));
      await load();
      await load();
      resetReads();
      await load();
      await load();
      expect(strict.invalidationMode()).toBe('check');
      expect(reads).toEqual({ get: 0, getMany: 2, keys: 4 });
    });

    it('a shared cache that fails to answer never lets the hot copy through unchecked', async () => {
      const { cache } = sharedCache(Date.now);
      const results = landing(new ResultCache(cache, 'unit'));
      const upstream = fakeUpstream();
      const load = () => results.loadMany<string>(scope, ['a'], { ttlSeconds: 10 }, (ids) => upstream.fetch(ids));
      await load();
      await load(); // now hot
      upstream.change();
      await results.invalidate(scope);
      // Redis stops answering (reads miss) while its health still says up: not served from the hot copy.
      cache.getMany = async (keys: readonly string[]) => keys.map(() => undefined);
      expect(await load()).toEqual(['a@2']);
    });

    it('hands out frozen values: a resolver that mutates a shared cached value fails loudly', async () => {
      const { cache } = sharedCache(Date.now);
      const results = landing(new ResultCache(cache, 'unit'));
      const load = () =>
        results.loadMany<{ list: number[] }>(scope, ['x'], { ttlSeconds: 10 }, async () => new Map([['x', { list: [2, 1] }]]));
      const [fetched] = await load();
      // The loader's own object is left alone; what the cache hands out to every request is frozen.
      expect(Object.isFrozen(fetched)).toBe(false);
      const [shared] = await load();
      expect(() => (shared as { list: number[] }).list.sort()).toThrow(TypeError);
    });
  });
});
