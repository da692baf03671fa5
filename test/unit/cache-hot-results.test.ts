import { HotResults } from '../../src/cache/hot-results';

const entry = (d: unknown, freshUntil = 2_000) => ({ v: '1', e: 0, d, freshUntil });

describe('HotResults: the hot layer, parsed values kept in the process', () => {
  it('answers every entry in order only when all are held and fresh', () => {
    const hot = new HotResults(10);
    hot.remember('s', 'a', entry('A'));
    hot.remember('s', 'b', entry('B', 1_500));
    expect(hot.hits('s', ['b', 'a'], 1_000)?.map((h) => h.d)).toEqual(['B', 'A']);
    expect(hot.hits('s', ['a', 'c'], 1_000)).toBeNull();
    expect(hot.hits('s', ['a', 'b'], 1_500)).toBeNull(); // b is no longer fresh
    expect(hot.hits('other', ['a'], 1_000)).toBeNull();
    expect(hot.hits('s', [], 1_000)).toBeNull();
  });

  it('keeps at most maxEntries across scopes, dropping the scope remembered longest ago first', () => {
    const hot = new HotResults(3);
    hot.remember('one', 'a', entry('a'));
    hot.remember('one', 'b', entry('b'));
    hot.remember('two', 'c', entry('c'));
    hot.remember('two', 'd', entry('d'));
    expect(hot.size).toBe(3);
    expect(hot.hits('one', ['a'], 0)).toBeNull();
    expect(hot.hits('one', ['b'], 0)).not.toBeNull();
    expect(hot.hits('two', ['c', 'd'], 0)).not.toBeNull();
    // Replacing an entry does not count it twice.
    hot.remember('two', 'c', entry('c2'));
    expect(hot.size).toBe(3);
    expect(hot.hits('two', ['c'], 0)?.[0]?.d).toBe('c2');
  });

  it('freezes what it holds, deeply: a caller that mutates a shared value fails loudly', () => {
    const hot = new HotResults(2);
    const value = { stages: [{ name: 'build' }] };
    hot.remember('s', 'a', entry(value));
    expect(() => {
      (value.stages[0] as { name: string }).name = 'x';
    }).toThrow(TypeError);
  });

  it('refuses a bound that is not positive, saying what it got', () => {
    expect(() => new HotResults(0)).toThrow('HotResults needs a positive maxEntries, got 0');
  });
});
