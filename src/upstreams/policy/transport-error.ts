import type { UpstreamName } from '../../config';
import { UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '../../errors';
import type { PolicyCall } from './call';

/**
 * What a failure below HTTP (no answer, a cut body, an abort) means: a timeout when a deadline
 * ended it (the call's, the operation's, or one of undici's timers), else an unreachable upstream.
 */
export function transportError(name: UpstreamName, err: unknown, call: PolicyCall): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const { policy, signal, callerSignal } = call;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (signal.aborted && !callerSignal?.aborted) return new UpstreamTimeoutError(name, policy.deadlineMs, { cause: err });
  // The operation's own deadline (AbortSignal.timeout in the server) cut the call short.
  if (callerSignal?.aborted && isTimeout(callerSignal.reason))
    return new UpstreamTimeoutError(name, Date.now() - call.startedAt, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new UpstreamTimeoutError(name, policy.headersTimeoutMs, { cause: err });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new UpstreamTimeoutError(name, policy.bodyTimeoutMs, { cause: err });
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new UpstreamTimeoutError(name, policy.connectTimeoutMs, { cause: err });
  return new UpstreamUnavailableError(name, 'connection', { cause: err });
}

function isTimeout(reason: unknown): boolean {
  // Duck-typed: AbortSignal.timeout's DOMException may come from another realm (vm contexts).
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}
