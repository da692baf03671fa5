import type { Cache, CacheBroadcast } from '../../src/cache/cache';
import { MemoryCache } from '../../src/cache/memory-cache';
import { ScopeVersions } from '../../src/cache/scope-versions';

const scope = { namespace: 'thing', identity: 'id-1' };
const scopeKey = 'thing\u0000id-1';

/** An in-process cache that can broadcast, with the listener's callbacks in the test's hands. */
function broadcasting() {
  const listeners: Array<{ message: (m: string) => void; listening: (l: boolean) => void }> = [];
  const published: string[] = [];
  const broadcast: CacheBroadcast = {
    publish: async (_channel, message) => {
      published.push(message);
      for (const l of listeners) l.message(message);
      return true;
    },
    listen: (_channel, message, listening) => void listeners.push({ message, listening }),
  };
  const cache: Cache = Object.assign(Object.create(new MemoryCache()) as MemoryCache, { broadcast });
  return { cache, listeners, published };
}

describe('ScopeVersions: versioned invalidation, pushed or checked', () => {
  it('push: a version read while listening is known until a message about it arrives', async () => {
    const { cache, listeners } = broadcasting();
    const versions = new ScopeVersions(cache, 'unit', 'push', 100);
    const key = versions.versionKeyOf(scopeKey, scope);
    expect(versions.mode()).toBe('check'); // not listening yet
    listeners[0]?.listening(true);
    expect(versions.mode()).toBe('push');
    versions.learned(key, '3', versions.readStarted());
    expect(versions.known(key)).toBe('3');
    listeners[0]?.message(key);
    expect(versions.known(key)).toBeUndefined();
  });

  it('push: a read overtaken by a message, or by a lost subscription, is not remembered', () => {
    const { cache, listeners } = broadcasting();
    const versions = new ScopeVersions(cache, 'unit', 'push', 100);
    const key = versions.versionKey(scope);
    listeners[0]?.listening(true);
    const started = versions.readStarted();
    listeners[0]?.message('some other key');
    versions.learned(key, '1', started);
    expect(versions.known(key)).toBeUndefined();

    versions.learned(key, '1', versions.readStarted());
    listeners[0]?.listening(false);
    expect(versions.known(key)).toBeUndefined();
    expect(versions.mode()).toBe('check');
  });

  it('invalidate bumps the shared version, this process epoch, and tells every process', async () => {
    const { cache, listeners, published } = broadcasting();
    const versions = new ScopeVersions(cache, 'unit', 'push', 100);
    listeners[0]?.listening(true);
    const key = versions.versionKey(scope);
    versions.learned(key, '0', versions.readStarted());
    await versions.invalidate(scope, scopeKey);
    expect(await cache.get(key)).toBe('1');
    expect(versions.epoch(scopeKey)).toBe(1);
    expect(published).toEqual([key]);
    expect(versions.known(key)).toBeUndefined();
  });

  it('check: nothing is remembered, even where the cache can broadcast', () => {
    const { cache, listeners } = broadcasting();
    const versions = new ScopeVersions(cache, 'unit', 'check', 100);
    expect(listeners).toHaveLength(0);
    const key = versions.versionKey(scope);
    versions.learned(key, '1', versions.readStarted());
    expect(versions.known(key)).toBeUndefined();
    expect(versions.mode()).toBe('check');
  });
});
