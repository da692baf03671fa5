import type { UpstreamPolicy } from '../../config';
import type { UpstreamError } from '../../errors';

/**
 * One call to an upstream as the policy steps see it: what was asked, its deadline, and what the
 * steps have already done for it (each may act once, or up to its own limit).
 */
export interface PolicyCall {
  readonly policy: UpstreamPolicy;
  /** Whether the call only reads (safe to send again). */
  readonly read: boolean;
  /** Aborts on the caller's cancellation or the call's deadline. */
  readonly signal: AbortSignal;
  /** The caller's own signal (client gone, operation deadline), if any. */
  readonly callerSignal: AbortSignal | undefined;
  /** `Date.now()` when the call began: the deadline counts from here, retries included. */
  readonly startedAt: number;
  /** Retries of faults done so far. */
  retries: number;
  /** Whether the one wait on `Retry-After` was spent. */
  waitedOnRetryAfter: boolean;
  /** Whether the one credential refresh on a 401 was spent. */
  refreshedAuth: boolean;
}

/**
 * What may follow a failed attempt. A step answers true when the call should be sent again (after
 * whatever it did: a refreshed token, a wait); false hands the error to the next step, and when
 * no step takes it, to the caller.
 */
export type RecoveryStep = (error: UpstreamError, call: PolicyCall) => Promise<boolean>;

/** Waits `ms` unless the call ends first; then `lastError` stands. */
export type Pause = (ms: number, call: PolicyCall, lastError: UpstreamError) => Promise<void>;
