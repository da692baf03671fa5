import { Coalescer } from '../../src/cache/coalescer';

/** A fetch whose answer the test releases by hand, recording the keys of every call. */
function controlledFetch() {
  const calls: string[][] = [];
  const pending: Array<() => void> = [];
  const signals: AbortSignal[] = [];
  const fetch = (keys: string[], signal: AbortSignal) => {
    calls.push(keys);
    signals.push(signal);
    return new Promise<Map<string, string | Error>>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      pending.push(() => resolve(new Map(keys.map((k) => [k, `value-of-${k}`]))));
    });
  };
  const releaseAll = () => pending.splice(0).forEach((release) => release());
  return { fetch, calls, signals, releaseAll };
}

describe('Coalescer: identical in-flight reads share one upstream call', () => {
  it('50 concurrent callers of the same keys cause one fetch and all get the answer', async () => {
    const coalescer = new Coalescer<string>();
    const f = controlledFetch();
    const answers = Array.from({ length: 50 }, () => coalescer.loadMany(['a', 'b'], f.fetch));
    f.releaseAll();
    const results = await Promise.all(answers);
    expect(f.calls).toEqual([['a', 'b']]);
    for (const r of results) expect(r.values).toEqual(['value-of-a', 'value-of-b']);
    expect(results.filter((r) => r.shared === 2)).toHaveLength(49);
    expect(coalescer.size).toBe(0);
  });

  it('a caller overlapping an in-flight call fetches only the keys nobody is fetching', async () => {
    const coalescer = new Coalescer<string>();
    const f = controlledFetch();
    const first = coalescer.loadMany(['a', 'b'], f.fetch);
    const second = coalescer.loadMany(['b', 'c', 'c'], f.fetch);
    f.releaseAll();
    expect((await first).values).toEqual(['value-of-a', 'value-of-b']);
    expect((await second).values).toEqual(['value-of-b', 'value-of-c', 'value-of-c']);
    expect(f.calls).toEqual([['a', 'b'], ['c']]);
  });

  it('a failed call answers its error to every caller, per key, and is not remembered', async () => {
    const coalescer = new Coalescer<string>();
    let calls = 0;
    const failing = async (): Promise<Map<string, string | Error>> => {
      calls += 1;
      throw new Error('upstream down');
    };
    const [x, y] = await Promise.all([coalescer.loadMany(['a'], failing), coalescer.loadMany(['a'], failing)]);
    expect(calls).toBe(1);
    expect(x.values[0]).toBeInstanceOf(Error);
    expect((y.values[0] as Error).message).toBe('upstream down');
    await coalescer.loadMany(['a'], failing);
    expect(calls).toBe(2);
  });

  it('a key the fetch leaves out answers an Error for that key only', async () => {
    const coalescer = new Coalescer<string>();
    const { values } = await coalescer.loadMany(['a', 'b'], async () => new Map([['a', 'A']]));
    expect(values[0]).toBe('A');
    expect(values[1]).toBeInstanceOf(Error);
  });

  it('the shared call is cancelled only when every waiting caller has gone away', async () => {
    const coalescer = new Coalescer<string>();
    const f = controlledFetch();
    const one = new AbortController();
    const two = new AbortController();
    const a = coalescer.loadMany(['k'], f.fetch, one.signal);
    const b = coalescer.loadMany(['k'], f.fetch, two.signal);
    one.abort();
    expect(f.signals[0]?.aborted).toBe(false);
    two.abort();
    expect(f.signals[0]?.aborted).toBe(true);
    expect((await a).values[0]).toBeInstanceOf(Error);
    expect((await b).values[0]).toBeInstanceOf(Error);

    // A caller arriving after the cancellation starts a new call instead of joining the dead one.
    const c = coalescer.loadMany(['k'], f.fetch);
    f.releaseAll();
    expect((await c).values).toEqual(['value-of-k']);
    expect(f.calls).toHaveLength(2);
  });

  it('one caller that cannot be cancelled keeps the shared call alive', async () => {
    const coalescer = new Coalescer<string>();
    const f = controlledFetch();
    const gone = new AbortController();
    const a = coalescer.loadMany(['k'], f.fetch, gone.signal);
    const b = coalescer.loadMany(['k'], f.fetch);
    gone.abort();
    f.releaseAll();
    expect((await b).values).toEqual(['value-of-k']);
    expect((await a).values).toEqual(['value-of-k']);
  });

  it('load() shares one value and throws the shared error', async () => {
    const coalescer = new Coalescer<number>();
    let calls = 0;
    const [x, y] = await Promise.all([coalescer.load('n', async () => ++calls), coalescer.load('n', async () => ++calls)]);
    expect([x, y, calls]).toEqual([1, 1, 1]);
    await expect(coalescer.load('n', async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
  });

  it('with lingerMs, an answer that just arrived is shared with a late caller; errors never linger', async () => {
    const coalescer = new Coalescer<string>();
    let calls = 0;
    const fetch = async (keys: string[]) => new Map(keys.map((k) => [k, `${k}#${++calls}`] as [string, string | Error]));
    const first = await coalescer.loadMany(['a'], fetch, undefined, { lingerMs: 50 });
    const late = await coalescer.loadMany(['a'], fetch, undefined, { lingerMs: 50 });
    expect(late.values).toEqual(first.values);
    expect(calls).toBe(1);
    // A caller that does not linger itself (e.g. its cache is down) goes to the upstream.
    expect((await coalescer.loadMany(['a'], fetch)).values).toEqual(['a#2']);
    await new Promise((r) => setTimeout(r, 80));
    expect((await coalescer.loadMany(['a'], fetch, undefined, { lingerMs: 50 })).values).toEqual(['a#3']);

    const failing = async (keys: string[]) => new Map(keys.map((k) => [k, new Error('no')] as [string, string | Error]));
    await coalescer.loadMany(['b'], failing, undefined, { lingerMs: 1000 });
    expect((await coalescer.loadMany(['b'], fetch, undefined, { lingerMs: 1000 })).values).toEqual(['b#4']);
  });
});
