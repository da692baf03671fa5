import type { UpstreamName } from '../../config';
import { UpstreamHttpError, type UpstreamError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { CircuitBreaker } from '../circuit-breaker';
import type { HttpMethod, UpstreamAttemptObserver } from '../http-client';

/**
 * How an attempt ended, for the breaker: a `fault` counts against the upstream; what the upstream
 * said about the request (4xx, failed envelopes) is `neutral`; a call its caller gave up on
 * (`cancelled`) says nothing about the upstream's health.
 */
export type AttemptOutcome = 'success' | 'fault' | 'neutral' | 'cancelled';

export function outcomeOf(error: UpstreamError, callerSignal: AbortSignal | undefined): AttemptOutcome {
  return callerSignal?.aborted ? 'cancelled' : error.isUpstreamFault ? 'fault' : 'neutral';
}

export interface AttemptReport {
  /** The upstream answered with this HTTP status (counted once per answer). */
  answered(status: number): void;
  /** The attempt ends: its span, its duration, the breaker's verdict and a debug line. */
  end(outcome: AttemptOutcome, error?: UpstreamError): void;
}

/** Everything one attempt tells the outside: metrics, tracing, breaker, logs. */
export function reportAttempt(
  deps: { upstream: UpstreamName; breaker: CircuitBreaker; metrics: Metrics; logger: Logger; observe?: UpstreamAttemptObserver },
  attempt: { method: HttpMethod; url: URL },
): AttemptReport {
  const { upstream, breaker, metrics, logger } = deps;
  const started = performance.now();
  const observed = deps.observe?.({ upstream, method: attempt.method, url: attempt.url });
  let status: number | undefined;
  return {
    answered(s) {
      status = s;
      metrics.upstreamCalls.inc({ upstream, status: String(s) });
    },
    end(outcome, error) {
      // An HTTP error was counted by its status; anything else (timeout, connection) by its code.
      if (error && !(error instanceof UpstreamHttpError)) metrics.upstreamCalls.inc({ upstream, status: error.code });
      observed?.({ status, error });
      const seconds = (performance.now() - started) / 1000;
      metrics.upstreamDuration.observe({ upstream }, seconds);
      if (outcome === 'success') breaker.onSuccess();
      else if (outcome === 'fault') breaker.onFailure();
      else if (outcome === 'cancelled') breaker.onCancelled();
      else breaker.onNeutral();
      logger.debug(
        { upstream, method: attempt.method, path: attempt.url.pathname, outcome, ms: Math.round(seconds * 1000) },
        'upstream call',
      );
    },
  };
}
