import { ResultFlights } from '../../src/cache/result-flights';

const scope = { namespace: 'thing', identity: 'id-1' };

/** An upstream that answers after 20 ms, recording each call's ids. */
function slowUpstream(valueOf: (id: string) => unknown) {
  const calls: string[][] = [];
  const fetch = async (ids: string[]) => {
    calls.push(ids);
    await new Promise((r) => setTimeout(r, 20));
    return new Map<string, unknown>(ids.map((id) => [id, valueOf(id)]));
  };
  return { calls, fetch };
}

describe('ResultFlights: in-flight reads shared per scope, version and epoch', () => {
  it('a read of ids already in flight joins it; only the rest are fetched', async () => {
    const flights = new ResultFlights(Date.now);
    const { calls, fetch } = slowUpstream((id) => `${id}!`);
    const [first, second] = await Promise.all([
      flights.load(scope, '0', 0, ['a', 'b'], fetch),
      flights.load(scope, '0', 0, ['b', 'c'], fetch),
    ]);
    expect(first).toEqual({ values: ['a!', 'b!'], shared: 0 });
    expect(second).toEqual({ values: ['b!', 'c!'], shared: 1 });
    expect(calls).toEqual([['a', 'b'], ['c']]);
  });

  it('another version, epoch or identity never joins', async () => {
    const flights = new ResultFlights(Date.now);
    const { calls, fetch } = slowUpstream((id) => id);
    await Promise.all([
      flights.load(scope, '0', 0, ['a'], fetch),
      flights.load(scope, '1', 0, ['a'], fetch),
      flights.load(scope, '0', 1, ['a'], fetch),
      flights.load({ ...scope, identity: 'id-2' }, '0', 0, ['a'], fetch),
    ]);
    expect(calls).toHaveLength(4);
  });

  it('an id the fetch left out answers an Error', async () => {
    const flights = new ResultFlights(Date.now);
    const { values } = await flights.load(scope, '0', 0, ['a', 'b'], async () => new Map<string, unknown>([['a', 1]]));
    expect(values[0]).toBe(1);
    expect(values[1]).toBeInstanceOf(Error);
  });
});
