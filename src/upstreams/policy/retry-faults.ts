import type { UpstreamName } from '../../config';
import type { Metrics } from '../../observability/metrics';
import type { RetryBudget } from '../retry-budget';
import type { Pause, RecoveryStep } from './call';

/**
 * A read that failed through the upstream's fault (5xx, timeout, lost connection) is sent again,
 * up to `retries` times, after an exponential backoff with jitter, while the retry budget allows.
 * Writes are never retried (the upstream may have acted), nor is anything the upstream said
 * about the request (4xx, Artifact's failed envelopes).
 */
export function retryFaults(
  upstream: UpstreamName,
  budget: RetryBudget,
  metrics: Metrics,
  random: () => number,
  pause: Pause,
): RecoveryStep {
  return async (error, call) => {
    if (!call.read || !error.isUpstreamFault || call.retries >= call.policy.retries || call.signal.aborted) return false;
    if (!budget.tryWithdraw()) {
      metrics.upstreamRetries.inc({ upstream, outcome: 'budget_exhausted' });
      return false;
    }
    call.retries += 1;
    metrics.upstreamRetries.inc({ upstream, outcome: 'retried' });
    const backoff = call.policy.retryBackoffMs * 2 ** (call.retries - 1);
    await pause(backoff / 2 + (random() * backoff) / 2, call, error);
    return true;
  };
}
