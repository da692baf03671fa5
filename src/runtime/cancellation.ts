/** Anything that hands over an AbortSignal when asked: an AbortController, `{ signal }`, a {@link Cancellation}. */
export interface SignalSource {
  readonly signal: AbortSignal;
}

/**
 * One operation's cancellation (its client went away, its deadline passed) whose AbortSignal
 * is made only when something asks for it: an upstream call, or a resolver that passes it on.
 *
 * An operation answered from the cache makes no upstream call and never asks. That matters on
 * Node 20: every AbortSignal survives the young-generation collections (a loop that only
 * creates signals promotes all of them; bare AbortControllers or EventTargets, none), so one
 * signal per request brought the warm gateway's full collections, its longest pauses, sooner
 * (the measurement: docs/scaling.md).
 */
export class Cancellation implements SignalSource {
  private controller: AbortController | undefined;
  private cancelled = false;
  private why: unknown;

  /** The signal, made on first use; already aborted if the operation was cancelled before. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.cancelled;
  }

  /** Cancels the operation (the first reason wins), aborting its signal if one was made. */
  abort(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.why = reason;
    this.controller?.abort(reason);
  }
}
