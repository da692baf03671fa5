import { Cancellation } from '../../src/runtime/cancellation';

/**
 * An operation's cancellation makes its AbortSignal only when asked (src/runtime/cancellation.ts):
 * whenever it is asked, the signal must say what happened to the operation so far.
 */
describe('Cancellation', () => {
  it('hands out one signal, aborted with the reason when the operation is cancelled later', () => {
    const cancellation = new Cancellation();
    const signal = cancellation.signal;
    expect(cancellation.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    const seen: unknown[] = [];
    signal.addEventListener('abort', () => seen.push(signal.reason));

    const why = new DOMException('deadline passed', 'TimeoutError');
    cancellation.abort(why);
    expect(cancellation.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(seen).toEqual([why]);
  });

  it('asked for after the operation was cancelled, the signal is already aborted with that reason', () => {
    const cancellation = new Cancellation();
    const why = new Error('client closed the connection');
    cancellation.abort(why);
    expect(cancellation.signal.aborted).toBe(true);
    expect(cancellation.signal.reason).toBe(why);
  });

  it('keeps the first reason: the deadline after the client left changes nothing', () => {
    const cancellation = new Cancellation();
    const first = new Error('client closed the connection');
    cancellation.abort(first);
    cancellation.abort(new DOMException('deadline passed', 'TimeoutError'));
    expect(cancellation.signal.reason).toBe(first);
  });

  it('makes no AbortController until its signal is asked for', () => {
    const Original = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        made += 1;
      }
    };
    try {
      const cancellation = new Cancellation();
      cancellation.abort(new Error('client closed the connection'));
      expect(cancellation.aborted).toBe(true);
      expect(made).toBe(0);
      expect(cancellation.signal.aborted).toBe(true);
      expect(made).toBe(1);
    } finally {
      globalThis.AbortController = Original;
    }
  });
});
