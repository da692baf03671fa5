import { request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import type { OutboundConfig, UpstreamName, UpstreamPolicy } from '../config';
import {
  UpstreamBadResponseError,
  UpstreamError,
  UpstreamHttpError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { CircuitBreaker } from './circuit-breaker';
import { createUpstreamDispatcher } from './outbound';
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
 * Reads an upstream-specific error out of a body that arrived with a 2xx status (CodeArts
 * Artifact wraps errors in HTTP 200). Returns undefined when the body is not an error.
 */
export type EmbeddedErrorDetector = (body: unknown) => { upstreamCode?: string; message?: string; status?: number } | undefined;

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
  detectEmbeddedError?: EmbeddedErrorDetector;
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
 * headers / body timeouts per attempt and a deadline per call, retries of reads with exponential
 * backoff, jitter and a retry budget, one wait on 429 Retry-After (capped), a circuit breaker,
 * metrics, and typed {@link UpstreamError}s. 4xx answers never count as upstream faults, and
 * neither does a call its caller cancelled.
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
      if (res.statusCode >= 400) throw httpError(this.name, res.statusCode, headers, body);
      const embedded = this.options.detectEmbeddedError?.(body);
      if (embedded) {
        throw new UpstreamHttpError(this.name, embedded.status ?? res.statusCode, headers, body, embedded.upstreamCode, embedded.message);
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
        throw httpError(this.name, res.statusCode, headers, safeParse(text));
      }
      return { status: res.statusCode, headers, body: res.body };
    });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  url(pathAndQuery: string, query?: Readonly<Record<string, QueryValue>>): URL {
    const url = new URL(pathAndQuery.replace(/^\/+/, ''), this.base);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, String(item));
      else url.searchParams.append(k, String(v));
    }
    return url;
  }

  /** Waits before a retry; if the call is cancelled meanwhile, the last error stands. */
  private async pause(ms: number, signal: AbortSignal, lastError: UpstreamError): Promise<void> {
    try {
      await this.sleep(ms, signal);
    } catch {
      throw lastError;
    }
  }

  private async withPolicy<T>(req: UpstreamRequest, handle: (res: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
    const { policy, logger, metrics } = this.options;
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
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const url = this.url(req.path, req.query);
    const body = req.json === undefined ? '' : JSON.stringify(req.json);
    const callStarted = Date.now();
    this.retryBudget.deposit();
    let attempt = 0;
    let waitedOn429 = false;
    let refreshedAuth = false;

    for (;;) {
      if (!this.breaker.tryAcquire()) {
        metrics.upstreamCalls.inc({ upstream: this.name, status: 'breaker_open' });
        throw new UpstreamUnavailableError(this.name, 'circuit-open');
      }
      const started = performance.now();
      let outcome: 'success' | 'fault' | 'neutral' | 'cancelled' = 'neutral';
      const observed = this.options.observeAttempt?.({ upstream: this.name, method: req.method, url });
      let observedStatus: number | undefined;
      let observedError: UpstreamError | undefined;
      try {
        const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
        if (body) headers['content-type'] = 'application/json';
        if (req.auth) Object.assign(headers, await req.auth.authenticate({ method: req.method, url, headers, body }));
        // undici's own headers timer ticks at ~1 s; this one is exact and ends once headers arrive.
        const headersWait = new AbortController();
        const headersTimer = setTimeout(() => headersWait.abort(), policy.headersTimeoutMs);
        const res = await request(url, {
          method: req.method,
          headers,
          body: body || undefined,
          signal: AbortSignal.any([signal, headersWait.signal]),
          dispatcher: this.dispatcher,
          headersTimeout: policy.headersTimeoutMs,
          bodyTimeout: policy.bodyTimeoutMs,
        })
          .catch((err: unknown) => {
            if (headersWait.signal.aborted && !signal.aborted)
              throw new UpstreamTimeoutError(this.name, policy.headersTimeoutMs, { cause: err });
            throw transportError(this.name, err, signal, req.signal, policy, callStarted);
          })
          .finally(() => clearTimeout(headersTimer));
        metrics.upstreamCalls.inc({ upstream: this.name, status: String(res.statusCode) });
        observedStatus = res.statusCode;
        try {
          const result = await handle(res);
          outcome = 'success';
          clearTimeout(deadlineTimer);
          return result;
        } catch (err) {
          if (!(err instanceof UpstreamError) && signal.aborted) {
            throw transportError(this.name, err, signal, req.signal, policy, callStarted);
          }
          throw err;
        }
      } catch (err) {
        const error = err instanceof UpstreamError ? err : transportError(this.name, err, signal, req.signal, policy, callStarted);
        if (!(err instanceof UpstreamHttpError)) metrics.upstreamCalls.inc({ upstream: this.name, status: error.code });
        // A call its caller gave up on says nothing about the upstream's health.
        outcome = req.signal?.aborted ? 'cancelled' : error.isUpstreamFault ? 'fault' : 'neutral';
        observedError = error;
        if (error instanceof UpstreamHttpError && error.statusCode === 401 && req.auth?.onUnauthorized && !refreshedAuth) {
          refreshedAuth = true;
          if (await req.auth.onUnauthorized()) continue;
        }
        if (error instanceof UpstreamRateLimitedError && !waitedOn429) {
          waitedOn429 = true;
          const wait = error.retryAfterSeconds ?? 1;
          // A wait longer than the cap, or than what is left of the deadline, answers at once.
          const left = policy.deadlineMs - (Date.now() - callStarted);
          if (wait <= policy.maxRetryAfterSeconds && wait * 1000 < left && !signal.aborted) {
            logger.debug({ upstream: this.name, retryAfterSeconds: wait }, 'upstream rate limited: waiting as asked');
            await this.pause(wait * 1000, signal, error);
            continue;
          }
        }
        if (req.read && error.isUpstreamFault && attempt < policy.retries && !signal.aborted) {
          if (!this.retryBudget.tryWithdraw()) {
            metrics.upstreamRetries.inc({ upstream: this.name, outcome: 'budget_exhausted' });
            throw error;
          }
          attempt += 1;
          metrics.upstreamRetries.inc({ upstream: this.name, outcome: 'retried' });
          const backoff = policy.retryBackoffMs * 2 ** (attempt - 1);
          await this.pause(backoff / 2 + (this.random() * backoff) / 2, signal, error);
          continue;
        }
        throw error;
      } finally {
        observed?.({ status: observedStatus, error: observedError });
        metrics.upstreamDuration.observe({ upstream: this.name }, (performance.now() - started) / 1000);
        if (outcome === 'success') this.breaker.onSuccess();
        else if (outcome === 'fault') this.breaker.onFailure();
        else if (outcome === 'cancelled') this.breaker.onCancelled();
        else this.breaker.onNeutral();
        logger.debug(
          { upstream: this.name, method: req.method, path: url.pathname, outcome, ms: Math.round(performance.now() - started) },
          'upstream call',
        );
      }
    }
  }
}

function httpError(name: UpstreamName, status: number, headers: Record<string, string>, body: unknown): UpstreamError {
  const { upstreamCode, message } = readErrorBody(body);
  if (status === 429) return new UpstreamRateLimitedError(name, parseRetryAfter(headers['retry-after']), upstreamCode);
  return new UpstreamHttpError(name, status, headers, body, upstreamCode, message);
}

/**
 * Error bodies of all five upstreams: Huawei `{error_code, error_msg}` and
 * `{error: {code, message}}`, Bandwidth `{type, description}`, Comestri `{error}` / `{errors}`.
 */
export function readErrorBody(body: unknown): { upstreamCode?: string; message?: string } {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
  if (b.error_code !== undefined) return { upstreamCode: str(b.error_code), message: str(b.error_msg) };
  if (b.error && typeof b.error === 'object') {
    const e = b.error as Record<string, unknown>;
    return { upstreamCode: str(e.code), message: str(e.message) };
  }
  if (b.type !== undefined && b.description !== undefined) return { upstreamCode: str(b.type), message: str(b.description) };
  if (typeof b.error === 'string') return { message: b.error };
  if (Array.isArray(b.errors)) return { message: b.errors.map(String).join('; ') };
  return { message: str(b.message) };
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function transportError(
  name: UpstreamName,
  err: unknown,
  signal: AbortSignal,
  callerSignal: AbortSignal | undefined,
  policy: UpstreamPolicy,
  callStarted: number,
): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (signal.aborted && !callerSignal?.aborted) return new UpstreamTimeoutError(name, policy.deadlineMs, { cause: err });
  // The operation's own deadline (AbortSignal.timeout in the server) cut the call short.
  if (callerSignal?.aborted && isTimeout(callerSignal.reason))
    return new UpstreamTimeoutError(name, Date.now() - callStarted, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new UpstreamTimeoutError(name, policy.headersTimeoutMs, { cause: err });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new UpstreamTimeoutError(name, policy.bodyTimeoutMs, { cause: err });
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new UpstreamTimeoutError(name, policy.connectTimeoutMs, { cause: err });
  return new UpstreamUnavailableError(name, 'connection', { cause: err });
}

function isTimeout(reason: unknown): boolean {
  // Duck-typed: AbortSignal.timeout's DOMException may come from another realm (vm contexts).
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
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
