import { GraphQLError } from 'graphql';
import type { UpstreamName } from './config';

/** The `extensions.code` values of the contract's error table. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'INTERNAL_SERVER_ERROR';

/**
 * Base of every failure of an upstream call. Each subclass has a literal `name` and a stable
 * `code` (the contract's), so callers switch on `code`, never on message text. Messages never
 * contain credentials or upstream bodies.
 */
export abstract class UpstreamError extends Error {
  abstract readonly code: ErrorCode;
  /** Whether this failure counts against the upstream's health (circuit breaker, retries). */
  abstract readonly isUpstreamFault: boolean;
  constructor(
    readonly upstream: UpstreamName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The upstream answered with an error status (or an error body under 200). Under 500 it is what
 * the upstream states about the request (contract, Errors): relayed with the upstream's message
 * and code, never retried, never a breaker fault.
 */
export class UpstreamHttpError extends UpstreamError {
  override readonly name = 'UpstreamHttpError';
  readonly code: ErrorCode;
  readonly isUpstreamFault: boolean;
  constructor(
    upstream: UpstreamName,
    readonly statusCode: number,
    readonly headers: Readonly<Record<string, string>>,
    /** Parsed error body, kept for diagnostics; never put into a client-facing message. */
    readonly body: unknown,
    /** Upstream error code (`error_code`, Bandwidth `type`) where given. */
    readonly upstreamCode: string | undefined,
    upstreamMessage: string | undefined,
    /** `embedded`: the failure came in a 2xx body (Artifact's envelope); `statusCode` is the status it stands for. */
    options: { embedded?: boolean } = {},
  ) {
    const said = upstreamMessage ? `: ${upstreamMessage}` : '';
    super(upstream, options.embedded ? `${upstream} refused the request${said}` : `${upstream} answered HTTP ${statusCode}${said}`);
    this.code = codeForStatus(statusCode);
    // 4xx is the caller's problem (or ours), not a sick upstream: it never trips the breaker.
    this.isUpstreamFault = statusCode >= 500;
  }
}

/** 429 that persisted after honouring Retry-After (or asked for a longer wait than allowed). */
export class UpstreamRateLimitedError extends UpstreamError {
  override readonly name = 'UpstreamRateLimitedError';
  readonly code = 'UPSTREAM_RATE_LIMITED' as const;
  readonly isUpstreamFault = false;
  readonly statusCode = 429;
  constructor(
    upstream: UpstreamName,
    readonly retryAfterSeconds: number | undefined,
    readonly upstreamCode: string | undefined,
  ) {
    super(upstream, `${upstream} is rate limiting the gateway`);
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  override readonly name = 'UpstreamTimeoutError';
  readonly code = 'UPSTREAM_TIMEOUT' as const;
  readonly isUpstreamFault = true;
  constructor(
    upstream: UpstreamName,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(upstream, `${upstream} did not answer within ${timeoutMs} ms`, options);
  }
}

/** Refused or reset connection, DNS failure, open breaker, or upstream not configured. */
export class UpstreamUnavailableError extends UpstreamError {
  override readonly name = 'UpstreamUnavailableError';
  readonly code = 'UPSTREAM_UNAVAILABLE' as const;
  readonly isUpstreamFault: boolean;
  constructor(
    upstream: UpstreamName,
    readonly reason: 'connection' | 'circuit-open' | 'not-configured',
    options?: { cause?: unknown },
  ) {
    super(
      upstream,
      reason === 'circuit-open'
        ? `${upstream} is unavailable (circuit breaker open)`
        : reason === 'not-configured'
          ? `${upstream} is not configured on this gateway`
          : `${upstream} could not be reached`,
      options,
    );
    this.isUpstreamFault = reason === 'connection';
  }
}

/** An answer the gateway cannot read (not JSON, wrong shape). */
export class UpstreamBadResponseError extends UpstreamError {
  override readonly name = 'UpstreamBadResponseError';
  readonly code = 'UPSTREAM_BAD_RESPONSE' as const;
  readonly isUpstreamFault = true;
  constructor(
    upstream: UpstreamName,
    readonly detail: string,
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(upstream, `${upstream} sent an answer the gateway cannot read (${detail})`, options);
  }
}

export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'UPSTREAM_RATE_LIMITED';
  if (status === 400 || status === 422 || status === 409) return 'BAD_USER_INPUT';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  return 'UPSTREAM_BAD_RESPONSE';
}

/** Invalid argument detected by the gateway itself: refused before any upstream call. */
export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extensions } });
}

/** Turns an upstream failure into the GraphQL error the contract describes. */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof UpstreamError) {
    const extensions: Record<string, unknown> = { code: error.code, upstream: error.upstream };
    if (error instanceof UpstreamHttpError) {
      extensions.status = error.statusCode;
      if (error.upstreamCode) extensions.upstreamCode = error.upstreamCode;
    } else if (error instanceof UpstreamRateLimitedError) {
      extensions.status = 429;
      if (error.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = error.retryAfterSeconds;
      if (error.upstreamCode) extensions.upstreamCode = error.upstreamCode;
    } else if (error instanceof UpstreamBadResponseError && error.statusCode !== undefined) {
      extensions.status = error.statusCode;
    }
    return new GraphQLError(error.message, { extensions, originalError: error });
  }
  return new GraphQLError('Internal server error', {
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
    originalError: error instanceof Error ? error : undefined,
  });
}

/** A rejection reason as an Error (per-key loader results must be `V | Error`). */
export function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Thrown when a switch over a discriminated union meets a case it does not know. */
export class UnreachableCaseError extends Error {
  override readonly name = 'UnreachableCaseError';
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
  }
}
