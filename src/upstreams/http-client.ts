import { request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { OutboundConfig, UpstreamName, UpstreamPolicy } from '../config';
import {
  UpstreamBadResponseError,
  UpstreamHttpError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from '../errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { CircuitBreaker } from './circuit-breaker';
import type { UpstreamErrorFormat } from './error-format';
import { createUpstreamDispatcher } from './outbound';
import { reportAttempt, outcomeOf } from './policy/attempt-report';
import type { Pause, PolicyCall, RecoveryStep } from './policy/call';
import { refreshOnUnauthorized } from './policy/refresh-on-unauthorized';
import { retryFaults } from './policy/retry-faults';
import { transportError } from './policy/transport-error';
import { waitOnRetryAfter } from './policy/wait-on-retry-after';
import { RetryBudget } from './retry-budget';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type QueryValue = string | number | boolean | undefined | null | ReadonlyArray<string | number>;

/** What an authenticator sees of the outgoing request, to sign it or add headers. */
export interface OutgoingRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/**
 * Adds credentials to each attempt (a refreshed token is picked up by the retry).
 * `onUnauthorized` is called once on a 401: answering true retries the call once.
 */
export interface RequestAuthenticator {
  authenticate(request: OutgoingRequest): Promise<Record<string, string>>;
  onUnauthorized?(): Promise<boolean>;
}

export interface UpstreamRequest {
  method: HttpMethod;
  /** Path under the base URL, each segment already encoded (use {@link path}). */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  headers?: Readonly<Record<string, string>>;
  /** JSON body (serialised here). */
  json?: unknown;
  /**
   * Whether the call only reads (safe to retry). Some reads are POSTs: pipeline status,
   * coordinated search.
   */
  read: boolean;
  auth?: RequestAuthenticator;
  /** Cancels the call (client gone, operation deadline). */
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, `undefined` for an empty body. */
  body: unknown;
}

export interface UpstreamStream {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

/**
 * Observes one attempt (tracing): called as the attempt starts, and the function it answers is
 * called once when the attempt ends, with the HTTP status and/or the error.
 */
export type UpstreamAttemptObserver = (attempt: {
  upstream: UpstreamName;
  method: HttpMethod;
  url: URL;
}) => (end: { status?: number; error?: UpstreamError }) => void;

export interface UpstreamClientOptions {
  name: UpstreamName;
  /** Base URL (scheme, host, optional port and path prefix). */
  baseUrl: string;
  policy: UpstreamPolicy;
  logger: Logger;
  metrics: Metrics;
  /** How this upstream's bodies say what went wrong (its folder's `errors.ts`). */
  errorFormat: UpstreamErrorFormat;
  /**
   * Content-Type sent on every call, with a body or not (Huawei: `application/json;charset=UTF-8`).
   * Default: `application/json`, and only on calls with a body.
   */
  contentType?: string;
  /** Called around each attempt (OpenTelemetry spans); absent when tracing is off. */
  observeAttempt?: UpstreamAttemptObserver;
  /** Outbound proxy and extra CAs for the pool this client builds (ignored with `dispatcher`). */
  outbound?: OutboundConfig;
  /** Dispatcher to use instead of a pooled Agent of its own (tests). */
  dispatcher?: Dispatcher;
  /** Sleep, injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Encodes each segment of a path: path`/v5/${projectId}/api` → "/v5/abc%2Fx/api". */
export function path(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/**
 * The one HTTP path to every upstream: a bounded pool (optionally through a proxy), connect /
 * headers / body timeouts per attempt and a deadline per call, a circuit breaker, metrics, and
 * typed {@link UpstreamError}s. What may follow a failed attempt is a sequence of small steps
 * (`policy/`): one credential refresh on a 401, one wait on 429 `Retry-After` (capped), retries
 * of reads that failed through the upstream's fault. What the upstream says about the request
 * (4xx, an error envelope) never counts as an upstream fault, and neither does a call its caller
 * cancelled. How an error body reads is the upstream's own knowledge ({@link UpstreamErrorFormat}).
 */
export class UpstreamClient {
  readonly name: UpstreamName;
  readonly breaker: CircuitBreaker;
  readonly retryBudget: RetryBudget;
  private readonly base: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: UpstreamClientOptions) {
    this.name = options.name;
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : options.baseUrl + '/');
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? createUpstreamDispatcher(this.base, options.policy, options.outbound);
    this.retryBudget = new RetryBudget({
      percent: options.policy.retryBudgetPercent,
      minPerSecond: options.policy.retryBudgetMinPerSecond,
    });
    this.sleep = options.sleep ?? sleep;
    this.random = options.random ?? Math.random;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.policy.breakerFailureThreshold,
      resetMs: options.policy.breakerResetMs,
      onStateChange: (state) => {
        options.metrics.breakerState.set({ upstream: this.name }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
        options.logger.warn({ upstream: this.name, breaker: state }, 'circuit breaker changed state');
      },
    });
    options.metrics.breakerState.set({ upstream: this.name }, 0);
  }

  /** Sends a request and parses its JSON answer. */
  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.withPolicy(req, async (res) => {
      const text = await res.body.text();
      const headers = flattenHeaders(res.headers);
      const body = parseJson(this.name, text, res.statusCode);
      if (res.statusCode >= 400) throw this.httpError(res.statusCode, headers, body);
      const embedded = this.options.errorFormat.readEmbedded?.(body);
      if (embedded) {
        throw new UpstreamHttpError(this.name, embedded.status, headers, body, embedded.upstreamCode, embedded.message, { embedded: true });
      }
      return { status: res.statusCode, headers, body };
    });
  }

  /** Sends a request and hands back the body as a stream (media). Errors are still typed. */
  async stream(req: UpstreamRequest): Promise<UpstreamStream> {
    return this.withPolicy(req, async (res) => {
      const headers = flattenHeaders(res.headers);
      if (res.statusCode >= 400) {
        const text = await res.body.text();
        throw this.httpError(res.statusCode, headers, safeParse(text));
      }
      return { status: res.statusCode, headers, body: res.body };
    });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /**
   * The URL of a call. A `.` or `..` segment (also as `%2e`, which URL parsers treat alike)
   * would be collapsed by the parser and reach another resource, and no encoding prevents it:
   * such a path is refused before any call. Callers' ids are checked earlier (BAD_USER_INPUT),
   * so what reaches here is an id an upstream sent, which it cannot be asked for by path.
   */
  url(pathAndQuery: string, query?: Readonly<Record<string, QueryValue>>): URL {
    const [pathOnly = ''] = pathAndQuery.split('?', 1);
    if (pathOnly.split('/').some(isDotSegment)) {
      throw new UpstreamBadResponseError(this.name, 'an id it sent is "." or "..", which cannot be used in a URL path');
    }
    const url = new URL(pathAndQuery.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.append(k, String(v));
    }
    return url;
  }

  /** An error status as a typed error, with the upstream's own code and message. */
  private httpError(status: number, headers: Record<string, string>, body: unknown): UpstreamError {
    const { upstreamCode, message } = this.options.errorFormat.read(body);
    if (status === 429) return new UpstreamRateLimitedError(this.name, parseRetryAfter(headers['retry-after']), upstreamCode);
    return new UpstreamHttpError(this.name, status, headers, body, upstreamCode, message);
  }

  /** The steps that may send a failed call again, in the order they are asked. */
  private recoverySteps(req: UpstreamRequest): RecoveryStep[] {
    const { logger, metrics } = this.options;
    const pause: Pause = async (ms, call, lastError) => {
      try {
        await this.sleep(ms, call.signal);
      } catch {
        throw lastError; // cancelled or out of time while waiting: the last error stands
      }
    };
    return [
      refreshOnUnauthorized(req.auth),
      waitOnRetryAfter(this.name, logger, pause),
      retryFaults(this.name, this.retryBudget, metrics, this.random, pause),
    ];
  }

  private async withPolicy<T>(req: UpstreamRequest, handle: (res: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
    const { policy } = this.options;
    const url = this.url(req.path, req.query);
    // A timer rather than AbortSignal.timeout, so a call that succeeded releases it: a stream's
    // body (media) may then take as long as its reader needs. undici's bodyTimeout still cuts an
    // upstream that stalls, and does not count time paused by backpressure.
    const deadlineController = new AbortController();
    const deadlineTimer = setTimeout(
      () => deadlineController.abort(new DOMException('The upstream call reached its deadline', 'TimeoutError')),
      policy.deadlineMs,
    );
    deadlineTimer.unref();
    const deadline = deadlineController.signal;
    const call: PolicyCall = {
      policy,
      read: req.read,
      signal: req.signal ? AbortSignal.any([req.signal, deadline]) : deadline,
      callerSignal: req.signal,
      startedAt: Date.now(),
      retries: 0,
      waitedOnRetryAfter: false,
      refreshedAuth: false,
    };
    const body = req.json === undefined ? '' : JSON.stringify(req.json);
    const steps = this.recoverySteps(req);
    this.retryBudget.deposit();
    attempts: for (;;) {
      try {
        const result = await this.attempt(req, url, body, call, handle);
        clearTimeout(deadlineTimer);
        return result;
      } catch (err) {
        const error = err as UpstreamError; // attempt() throws nothing else
        for (const step of steps) if (await step(error, call)) continue attempts;
        throw error;
      }
    }
  }

  /** One attempt through the breaker: send, read, report. Throws only {@link UpstreamError}s. */
  private async attempt<T>(
    req: UpstreamRequest,
    url: URL,
    body: string,
    call: PolicyCall,
    handle: (res: Dispatcher.ResponseData) => Promise<T>,
  ): Promise<T> {
    const { policy, metrics } = this.options;
    if (!this.breaker.tryAcquire()) {
      metrics.upstreamCalls.inc({ upstream: this.name, status: 'breaker_open' });
      throw new UpstreamUnavailableError(this.name, 'circuit-open');
    }
    const report = reportAttempt(
      { upstream: this.name, breaker: this.breaker, metrics, logger: this.options.logger, observe: this.options.observeAttempt },
      { method: req.method, url },
    );
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      if (this.options.contentType) headers['content-type'] = this.options.contentType;
      else if (body) headers['content-type'] = 'application/json';
      if (req.auth) Object.assign(headers, await req.auth.authenticate({ method: req.method, url, headers, body }));
      // undici's own headers timer ticks at ~1 s; this one is exact and ends once headers arrive.
      const headersWait = new AbortController();
      const headersTimer = setTimeout(() => headersWait.abort(), policy.headersTimeoutMs);
      const res = await request(url, {
        method: req.method,
        headers,
        body: body || undefined,
        signal: AbortSignal.any([call.signal, headersWait.signal]),
        dispatcher: this.dispatcher,
        headersTimeout: policy.headersTimeoutMs,
        bodyTimeout: policy.bodyTimeoutMs,
      })
        .catch((err: unknown) => {
          if (headersWait.signal.aborted && !call.signal.aborted)
            throw new UpstreamTimeoutError(this.name, policy.headersTimeoutMs, { cause: err });
          throw err;
        })
        .finally(() => clearTimeout(headersTimer));
      report.answered(res.statusCode);
      const result = await handle(res);
      report.end('success');
      return result;
    } catch (err) {
      const error = transportError(this.name, err, call);
      report.end(outcomeOf(error, call.callerSignal), error);
      throw error;
    }
  }
}

function isDotSegment(segment: string): boolean {
  return /^(\.|%2e){1,2}$/i.test(segment);
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function parseJson(name: UpstreamName, text: string, status: number): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    // An error status with a non-JSON body is still that error status.
    if (status >= 400) return text.slice(0, 200);
    throw new UpstreamBadResponseError(name, 'body is not JSON', status, { cause: err });
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's abort reason, passed on as given
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's abort reason, passed on as given
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
