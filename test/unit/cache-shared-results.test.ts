import { MemoryCache } from '../../src/cache/memory-cache';
import { SharedResults } from '../../src/cache/shared-results';

const scope = { namespace: 'thing', identity: 'id-1' };

function setup() {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const cache = new MemoryCache({ now: clock.now });
  const shared = new SharedResults(cache, 'unit', clock.now);
  const versionKey = 'unit:version';
  return { cache, shared, clock, versionKey };
}

describe('SharedResults: the shared TTL store', () => {
  it('reads fresh, then stale past the TTL, then a miss past the stale window', async () => {
    const { shared, clock, versionKey } = setup();
    await shared.write(scope, '0', [['a', { n: 1 }]], 10, 5_000);
    expect((await shared.read(scope, versionKey, ['a', 'b'], 5_000)).lookups).toEqual([
      { state: 'fresh', value: { n: 1 }, freshUntil: 1_010_000 },
      { state: 'miss' },
    ]);
    clock.advance(10_000);
    expect((await shared.read(scope, versionKey, ['a'], 5_000)).lookups[0]?.state).toBe('stale');
    // Without a stale window the same entry is a miss at once.
    expect((await shared.read(scope, versionKey, ['a'], 0)).lookups[0]?.state).toBe('miss');
    clock.advance(5_000);
    expect((await shared.read(scope, versionKey, ['a'], 5_000)).lookups[0]?.state).toBe('miss');
  });

  it('an entry written under another version is a miss', async () => {
    const { cache, shared, versionKey } = setup();
    await shared.write(scope, '0', [['a', 'A']], 10, 0);
    await cache.increment(versionKey);
    const read = await shared.read(scope, versionKey, ['a'], 0);
    expect(read).toEqual({ version: '1', lookups: [{ state: 'miss' }] });
  });

  it('writes nothing with no TTL; an unreadable entry is a miss', async () => {
    const { cache, shared, versionKey } = setup();
    await shared.write(scope, '0', [['a', 'A']], 0, 0);
    expect((await shared.read(scope, versionKey, ['a'], 0)).lookups).toEqual([{ state: 'miss' }]);
    await cache.set(shared.key(scope, 'b'), '{not json', 10_000);
    expect((await shared.read(scope, versionKey, ['b'], 0)).lookups).toEqual([{ state: 'miss' }]);
  });

  it('a version is witnessed only when the cache answered the entry read with it', async () => {
    const { shared, versionKey } = setup();
    expect(await shared.witnessedVersion(scope, versionKey, 'a')).toBeUndefined();
    await shared.write(scope, '0', [['a', 'A']], 10, 0);
    expect(await shared.witnessedVersion(scope, versionKey, 'a')).toBe('0');
  });
});
