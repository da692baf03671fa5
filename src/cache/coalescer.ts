/** Fetches `keys`, answering a value or an Error per key (a key left out answers an Error). */
export type FetchMany<V> = (keys: string[], signal: AbortSignal) => Promise<Map<string, V | Error>>;

export interface CoalesceOptions {
  /**
   * How long a successful answer stays joinable after it arrived (ms). It closes the gap where
   * a caller that looked in the shared cache just before the answer was written arrives just
   * after the call ended. Default 0.
   */
  lingerMs?: number;
}

interface Flight<V> {
  readonly keys: readonly string[];
  answer: Promise<Map<string, V | Error>>;
  readonly controller: AbortController;
  /** Callers still interested (not aborted). */
  waiting: number;
  /** Once answered and lingering: when it stops being joinable (clock of the coalescer). */
  expiresAt?: number;
}

/**
 * Per-process coalescing of identical in-flight upstream reads (single flight), per key.
 *
 * A caller asks for a set of keys. Keys another caller is already fetching are awaited (their
 * answer is shared); only the rest go out, in ONE call of the caller's `fetch`. So N concurrent
 * requests asking for the same thing cause one upstream call, and a request asking for ids
 * {a, b, c} while {a, b} are in flight fetches only c.
 *
 * Cancellation is shared fairly: a fetch is aborted only once EVERY caller waiting on it has
 * been aborted (a client that goes away never cancels the answer another client is waiting for).
 *
 * With `lingerMs`, an answer stays joinable briefly after it arrived (see {@link CoalesceOptions}).
 *
 * Keys must already say everything that makes two reads identical: the upstream identity and
 * the cache version (see {@link ResultCache}), so a read that started before a mutation is never
 * shared with a read that started after it.
 */
export class Coalescer<V> {
  private readonly inflight = new Map<string, Flight<V>>();
  private readonly now: () => number;

  /** `now`: the clock lingering is measured with (injectable for tests). Default `Date.now`. */
  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Keys currently being fetched (for tests and metrics). */
  get size(): number {
    return this.inflight.size;
  }

  /**
   * The answer for each key, in order: a value or an Error (per key, like DataLoader). A key
   * `fetch` leaves out of its map answers an Error. Also reports how many keys were shared.
   */
  async loadMany(
    keys: readonly string[],
    fetch: FetchMany<V>,
    signal?: AbortSignal,
    options: CoalesceOptions = {},
  ): Promise<{ values: Array<V | Error>; shared: number }> {
    const flights = new Map<string, Flight<V>>();
    const missing: string[] = [];
    let shared = 0;
    const now = this.now();
    for (const key of new Set(keys)) {
      let flight = this.inflight.get(key);
      if (flight?.expiresAt !== undefined && flight.expiresAt <= now) {
        this.forget(flight);
        flight = undefined;
      }
      // A caller that does not linger itself takes no answer that has already arrived.
      if (flight?.expiresAt !== undefined && !((options.lingerMs ?? 0) > 0)) flight = undefined;
      if (flight) {
        flights.set(key, flight);
        shared += 1;
      } else {
        missing.push(key);
      }
    }
    if (missing.length) {
      const flight = this.start(missing, fetch, options.lingerMs ?? 0);
      for (const key of missing) flights.set(key, flight);
    }

    const joined = new Set(flights.values());
    for (const flight of joined) this.join(flight, signal);
    const answers = new Map<Flight<V>, Map<string, V | Error>>();
    await Promise.all(
      [...joined].map(async (flight) => {
        answers.set(flight, await flight.answer);
      }),
    );
    const values = keys.map((key) => {
      const flight = flights.get(key) as Flight<V>;
      const answer = answers.get(flight)?.get(key);
      return answer === undefined ? new Error(`${key} was not loaded`) : answer;
    });
    return { values, shared };
  }

  /** One value (or a thrown Error), shared by concurrent callers of the same key. */
  async load(key: string, fetch: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    const { values } = await this.loadMany([key], async (keys, s) => new Map([[keys[0] as string, await fetch(s)]]), signal);
    const value = values[0] as V | Error;
    if (value instanceof Error) throw value;
    return value;
  }

  private start(keys: string[], fetch: FetchMany<V>, lingerMs: number): Flight<V> {
    const flight: Flight<V> = {
      keys,
      answer: Promise.resolve(new Map<string, V | Error>()),
      controller: new AbortController(),
      waiting: 0,
    };
    for (const key of keys) this.inflight.set(key, flight);
    flight.answer = (async () => {
      let answer: Map<string, V | Error>;
      try {
        answer = await fetch(keys, flight.controller.signal);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        answer = new Map(keys.map((k) => [k, error] as const));
      }
      this.settle(flight, answer, lingerMs);
      return answer;
    })().catch((err: unknown) => {
      this.forget(flight);
      throw err;
    });
    return flight;
  }

  /** Errors are forgotten at once (the next caller retries); values linger if asked to. */
  private settle(flight: Flight<V>, answer: Map<string, V | Error>, lingerMs: number): void {
    if (lingerMs <= 0 || flight.controller.signal.aborted) {
      this.forget(flight);
      return;
    }
    for (const key of flight.keys) {
      const value = answer.get(key);
      if ((value === undefined || value instanceof Error) && this.inflight.get(key) === flight) this.inflight.delete(key);
    }
    flight.expiresAt = this.now() + lingerMs;
    // The clock decides; the timer only frees the memory.
    setTimeout(() => this.forget(flight), lingerMs).unref();
  }

  private forget(flight: Flight<V>): void {
    for (const key of flight.keys) if (this.inflight.get(key) === flight) this.inflight.delete(key);
  }

  private join(flight: Flight<V>, signal: AbortSignal | undefined): void {
    flight.waiting += 1;
    if (!signal) {
      // A caller that cannot be cancelled keeps the flight alive to the end.
      flight.waiting = Number.POSITIVE_INFINITY;
      return;
    }
    const leave = () => {
      flight.waiting -= 1;
      if (flight.waiting > 0) return;
      // Nobody wants it any more: a later caller must not join a cancelled call.
      this.forget(flight);
      flight.controller.abort(signal.reason);
    };
    if (signal.aborted) {
      leave();
      return;
    }
    signal.addEventListener('abort', leave, { once: true });
    void flight.answer.finally(() => signal.removeEventListener('abort', leave));
  }
}
