import { UpstreamRateLimitedError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { UpstreamName } from '../../config';
import type { Pause, RecoveryStep } from './call';

/**
 * A 429 is waited out once, for `Retry-After` seconds (1 when absent), then sent again. A wait
 * longer than `maxRetryAfterSeconds`, or than what is left of the deadline, answers at once with
 * `UPSTREAM_RATE_LIMITED` and the wait the upstream asked for.
 */
export function waitOnRetryAfter(upstream: UpstreamName, logger: Logger, pause: Pause): RecoveryStep {
  return async (error, call) => {
    if (!(error instanceof UpstreamRateLimitedError) || call.waitedOnRetryAfter) return false;
    call.waitedOnRetryAfter = true;
    const wait = error.retryAfterSeconds ?? 1;
    const left = call.policy.deadlineMs - (Date.now() - call.startedAt);
    if (wait > call.policy.maxRetryAfterSeconds || wait * 1000 >= left || call.signal.aborted) return false;
    logger.debug({ upstream, retryAfterSeconds: wait }, 'upstream rate limited: waiting as asked');
    await pause(wait * 1000, call, error);
    return true;
  };
}
