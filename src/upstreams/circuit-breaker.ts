/**
 * Circuit breaker per upstream. Closed: calls pass, consecutive upstream faults are counted.
 * Open: calls are refused at once until `resetMs` has passed. Half-open: one probe passes; its
 * success closes the breaker, its failure opens it again. 4xx answers are not faults.
 */
export type BreakerState =
  { kind: 'closed'; failures: number } | { kind: 'open'; openedAt: number } | { kind: 'half-open'; probeInFlight: boolean };

export interface CircuitBreakerOptions {
  /** Consecutive faults that open the breaker. */
  failureThreshold: number;
  /** Time an open breaker waits before letting a probe through (ms). */
  resetMs: number;
  now?: () => number;
  /** Called on every change of state (metrics, logs). */
  onStateChange?: (state: BreakerState['kind']) => void;
}

export class CircuitBreaker {
  private state: BreakerState = { kind: 'closed', failures: 0 };
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether a call may go out now. A `true` in half-open state claims the single probe. */
  tryAcquire(): boolean {
    switch (this.state.kind) {
      case 'closed':
        return true;
      case 'open':
        if (this.now() - this.state.openedAt < this.options.resetMs) return false;
        this.transition({ kind: 'half-open', probeInFlight: true });
        return true;
      case 'half-open':
        if (this.state.probeInFlight) return false;
        this.state = { kind: 'half-open', probeInFlight: true };
        return true;
    }
  }

  onSuccess(): void {
    if (this.state.kind !== 'closed' || this.state.failures !== 0) this.transition({ kind: 'closed', failures: 0 });
  }

  onFailure(): void {
    if (this.state.kind === 'half-open') {
      this.transition({ kind: 'open', openedAt: this.now() });
    } else if (this.state.kind === 'closed') {
      const failures = this.state.failures + 1;
      if (failures >= this.options.failureThreshold) this.transition({ kind: 'open', openedAt: this.now() });
      else this.state = { kind: 'closed', failures };
    }
  }

  /** A call that ended with neither success nor fault (e.g. a 4xx): the upstream answered, so a probe closes. */
  onNeutral(): void {
    if (this.state.kind === 'half-open') this.transition({ kind: 'closed', failures: 0 });
  }

  /**
   * A call the caller cancelled (client gone, operation deadline) says nothing about the
   * upstream: a probe's slot is freed for the next caller, the state stays as it is.
   */
  onCancelled(): void {
    if (this.state.kind === 'half-open') this.state = { kind: 'half-open', probeInFlight: false };
  }

  /** State plus, when open, how long until a probe may go (readiness body). */
  snapshot(): { state: BreakerState['kind']; consecutiveFailures?: number; probeInMs?: number } {
    const state = this.current();
    if (this.state.kind === 'open' && state === 'open') {
      return { state, probeInMs: Math.max(0, this.options.resetMs - (this.now() - this.state.openedAt)) };
    }
    if (this.state.kind === 'closed' && this.state.failures > 0) return { state, consecutiveFailures: this.state.failures };
    return { state };
  }

  current(): BreakerState['kind'] {
    if (this.state.kind === 'open' && this.now() - this.state.openedAt >= this.options.resetMs) return 'half-open';
    return this.state.kind;
  }

  private transition(next: BreakerState): void {
    const changed = next.kind !== this.state.kind;
    this.state = next;
    if (changed) this.options.onStateChange?.(next.kind);
  }
}
