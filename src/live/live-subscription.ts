import { GraphQLError } from 'graphql';
import { isFinalState, type LiveKind } from './sources';
import { isUnauthenticated, liveResultOf, valueOfLiveResult } from './live-result';

/** One change of one watched resource, as a subscription's resolver receives it. */
export interface LiveEvent {
  id: string;
  /** The mapped value (`null`: the upstream has none), or a `GraphQLError` with the contract's code. */
  value: unknown;
  /** A final state (or a refused credential): sent, then the subscription completes. */
  final: boolean;
}

export interface LiveSubscriptionOptions {
  kind: LiveKind;
  /** Events kept for a consumer that does not keep up; one more drops it. */
  maxBuffered: number;
  /** Called once when the subscription ends, whatever ended it. */
  onEnd: (subscription: LiveSubscription) => void;
  /** Called when the consumer was dropped for not keeping up. */
  onDropped?: () => void;
}

/**
 * The source stream of one subscription: events pushed by its topic's watcher, pulled by
 * graphql-js. The queue is bounded: a consumer that lets `maxBuffered` events pile up (a client
 * reading slower than the gateway sends) loses them and gets one error, then the stream ends.
 * `return()` ends it at once, even while a `next()` is waiting (an async generator could not).
 */
export class LiveSubscription implements AsyncIterableIterator<LiveEvent> {
  /** Ids that already had an event pushed (their initial value, arriving later, is stale). */
  readonly pushed = new Set<string>();
  private readonly queue: LiveEvent[] = [];
  private waiting: ((result: IteratorResult<LiveEvent>) => void) | null = null;
  private ended = false;
  private finishing = false;
  /** A final event is queued: nothing after it is taken. */
  private sealed = false;

  constructor(
    readonly ids: readonly string[],
    private readonly options: LiveSubscriptionOptions,
  ) {}

  get active(): boolean {
    return !this.ended && !this.finishing && !this.sealed;
  }

  /** A new state of `id`: a value, `null`, or an Error (normalised to the contract's GraphQLError). */
  offer(id: string, value: unknown): void {
    if (!this.active) return;
    this.pushed.add(id);
    const normalised = value instanceof Error ? valueOfLiveResult(liveResultOf(value)) : value;
    const final = isFinalState(this.options.kind, normalised) || isUnauthenticated(normalised);
    if (this.queue.length >= this.options.maxBuffered) {
      this.queue.length = 0;
      this.options.onDropped?.();
      const error = new GraphQLError(
        `Subscription dropped: the client did not keep up (more than ${this.options.maxBuffered} events waiting)`,
        { extensions: { code: 'SLOW_CONSUMER', max: this.options.maxBuffered } },
      );
      this.deliver({ id, value: error, final: true });
      return;
    }
    this.deliver({ id, value: normalised, final });
  }

  next(): Promise<IteratorResult<LiveEvent>> {
    const event = this.queue.shift();
    if (event) {
      if (event.final) this.finishing = true;
      return Promise.resolve({ value: event, done: false });
    }
    if (this.ended || this.finishing) return this.return();
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    if (!this.ended) {
      this.ended = true;
      this.queue.length = 0;
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.({ value: undefined, done: true });
      this.options.onEnd(this);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<LiveEvent>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private deliver(event: LiveEvent): void {
    if (event.final) this.sealed = true;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = null;
      if (event.final) this.finishing = true;
      waiting({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }
}
