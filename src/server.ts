import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GatewayContext, GatewayServices } from './context';
import { OperationContext } from './context';
import { Cancellation } from './runtime/cancellation';
import { principalOf, type Principal } from './auth/principal';
import { callerTokenOf, sendAuthRefusal } from './http/auth-refusal';
import { UPSTREAM_NAMES } from './config';
import { renderIdePage } from './ide/page';
import { applyCors } from './http/cors';
import { endCompressed } from './http/compression';
import { runInRequestScope, setScopeCaller, setScopeRequestId } from './observability/request-scope';
import { callerLabel } from './auth/authenticate';

/** Handles a path the core server does not know (e.g. `/media/...`); answers false to pass. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: HttpRequestContext) => Promise<boolean>;

export interface HttpRequestContext {
  url: URL;
  requestId: string;
  principal: Principal | null;
}

export interface HttpServerOptions {
  services: GatewayServices;
  apollo: ApolloServer<GatewayContext>;
  /** Extra routes tried before the 404 (media streaming). */
  routes?: RouteHandler[];
  /** Largest accepted request body (bytes). Default 1 MiB. */
  maxBodyBytes?: number;
}

type Lifecycle = 'starting' | 'serving' | 'draining';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The gateway's HTTP surface: `/graphql` (GraphQL over HTTP via Apollo Server, and the IDE for
 * browsers), `/healthz`, `/readyz`, `/metrics`, plus extra routes (media). Tracks in-flight
 * requests so shutdown can drain them.
 */
export class GatewayHttpServer {
  readonly server: http.Server;
  private lifecycle: Lifecycle = 'starting';
  private inFlight = 0;
  private readonly idle = new Set<() => void>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: HttpServerOptions) {
    this.server = http.createServer((req, res) => void runInRequestScope(() => this.handle(req, res)));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  markServing(): void {
    this.lifecycle = 'serving';
  }

  /** Stops accepting connections and waits up to `graceMs` for in-flight requests. */
  async drain(graceMs: number): Promise<void> {
    this.lifecycle = 'draining';
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.idle.add(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    }
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    setScopeRequestId(requestId);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const { services } = this.options;
    // The logger adds the request scope's id to every line (requestIdMixin): no child per request.
    const log = services.logger;
    this.inFlight += 1;
    let route = 'other';
    try {
      if (applyCors(req, res, services.config.cors) === 'preflight') {
        route = 'preflight';
      } else if (url.pathname === '/graphql') {
        route = 'graphql';
        await this.graphql(req, res, url, requestId, started);
      } else if (url.pathname === '/healthz') {
        route = 'healthz';
        sendJson(res, 200, { status: 'ok' });
      } else if (url.pathname === '/readyz') {
        route = 'readyz';
        this.readiness(res);
      } else if (url.pathname === '/metrics') {
        route = 'metrics';
        const body = await services.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': services.metrics.registry.contentType });
        res.end(body);
      } else {
        let handled = false;
        for (const handler of this.options.routes ?? []) {
          handled = await handler(req, res, { url, requestId, principal: null });
          if (handled) {
            route = url.pathname.split('/')[1] ?? 'other';
            break;
          }
        }
        if (!handled) sendJson(res, 404, { error: 'not found' });
      }
    } catch (err) {
      log.error({ err }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    } finally {
      services.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      if (route !== 'healthz' && route !== 'readyz' && route !== 'metrics') {
        log.info(
          { method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) },
          'request',
        );
      }
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idle) resolve();
    }
  }

  private async graphql(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, started: number): Promise<void> {
    const { services } = this.options;
    // HEAD is GET without the body (RFC 9110 §9.3.2): same route, same headers; Node's
    // ServerResponse drops whatever body is written to a HEAD.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (method === 'GET' && prefersHtml(req)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(renderIdePage({ authRequired: services.authenticator.required, signIn: services.authenticator.signIn }));
      return;
    }
    if (method !== 'GET' && method !== 'POST') {
      res.setHeader('allow', 'GET, HEAD, POST');
      sendGraphQLError(res, 405, 'Only GET, HEAD and POST are supported on /graphql', 'BAD_REQUEST');
      return;
    }
    const auth = await services.authenticator.authenticate(req.headers.authorization);
    if (!auth.ok) {
      sendAuthRefusal(res, auth, services.metrics);
      return;
    }

    let body: unknown = undefined;
    if (method === 'POST') {
      const raw = await readBody(req, this.options.maxBodyBytes ?? services.config.maxBodyBytes);
      if (raw === 'too-large') {
        // readBody leaves the rest of the body flowing to nowhere: once it has passed, the same
        // connection serves the client's next request (closing it with unread bytes would reset
        // it, and the client could lose this very answer).
        sendGraphQLError(res, 413, 'Request body is too large', 'BAD_REQUEST');
        return;
      }
      const contentType = (req.headers['content-type'] ?? '').toLowerCase();
      if (contentType.includes('json')) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          sendGraphQLError(res, 400, 'Request body is not valid JSON', 'BAD_REQUEST');
          return;
        }
        if (Array.isArray(body) && body.length > services.config.batching.maxOperations) {
          sendGraphQLError(res, 400, `A batch may hold at most ${services.config.batching.maxOperations} operations`, 'BAD_REQUEST');
          return;
        }
      } else {
        body = raw.toString('utf8');
      }
    }

    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);

    // Every log line of this request names who made it (a key id or a user's subject, never a credential).
    if (auth.caller.kind !== 'open') setScopeCaller(callerLabel(auth.caller));
    const principal = principalOf(auth, requestId, callerTokenOf(req.headers['x-auth-token']));
    // One cancellation per operation: when the client goes away or at the operation's deadline
    // (upstream calls still running then are cancelled: UPSTREAM_TIMEOUT). Its AbortSignal is
    // made only if an upstream call needs it. A plain timer, cleared as soon as the operation
    // ends, so nothing of it outlives the answer (AbortSignal.timeout's runs the whole deadline).
    const cancellation = new Cancellation();
    const onClose = () => {
      if (!res.writableFinished) cancellation.abort(new Error('client closed the connection'));
    };
    res.on('close', onClose);
    const deadline = setTimeout(
      () =>
        cancellation.abort(
          new DOMException(`The operation's deadline of ${services.config.operationDeadlineMs} ms passed`, 'TimeoutError'),
        ),
      services.config.operationDeadlineMs,
    );
    try {
      await this.answerGraphQL(req, res, { method, headers, url, body, principal, cancellation, started });
    } finally {
      clearTimeout(deadline);
      res.off('close', onClose);
    }
  }

  private async answerGraphQL(
    req: IncomingMessage,
    res: ServerResponse,
    op: { method: string; headers: HeaderMap; url: URL; body: unknown; principal: Principal; cancellation: Cancellation; started: number },
  ): Promise<void> {
    const { services, apollo } = this.options;
    const { method, headers, url, body, principal, cancellation, started } = op;
    const requestId = principal.requestId;
    const execute = () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: url.search, body },
        context: async () => new OperationContext(principal, services, cancellation),
      });
    const result = services.tracing ? await services.tracing.inOperation({ requestId, method }, execute) : await execute();
    for (const [k, v] of result.headers) res.setHeader(k, v);
    // The gateway's own time on this operation, from its request line to its answer ready to
    // send: what it added to the caller's latency (browser dev tools show it; the bench reads it).
    if (services.config.serverTiming) res.setHeader('server-timing', `gateway;dur=${(performance.now() - started).toFixed(2)}`);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      await endCompressed(req, res, result.body.string, services.config.compression);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  private readiness(res: ServerResponse): void {
    const { services } = this.options;
    const cache = services.cache.health();
    const upstreams = Object.fromEntries(
      UPSTREAM_NAMES.map((name) => {
        const client = services.clients[name];
        if (!client) return [name, { configured: false }];
        // The breaker's state, and when it is open how long until a probe may go.
        const { state, ...detail } = client.breaker.snapshot();
        return [name, { configured: true, breaker: state, ...detail }];
      }),
    );
    const signIn = services.issuerKeys?.state();
    const degraded =
      cache.state !== 'up' ||
      Object.values(upstreams).some((u) => 'breaker' in u && u.breaker !== 'closed') ||
      (signIn !== undefined && signIn.state !== 'up');
    const status = this.lifecycle === 'serving' ? (degraded ? 'degraded' : 'ready') : this.lifecycle;
    sendJson(res, this.lifecycle === 'serving' ? 200 : 503, {
      status,
      simulated: services.config.simulation !== null,
      cache: { ...cache, invalidation: services.results.invalidationMode() },
      upstreams,
      // The sign-in provider's keys (AUTH_JWT_ISSUER): up, stale (kept after a failed refresh), down (never fetched).
      ...(signIn ? { signIn: { provider: services.config.endUserAuth?.issuer, ...signIn } } : {}),
    });
  }
}

function prefersHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') && !req.url?.includes('query=');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendGraphQLError(res: ServerResponse, status: number, message: string, code: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/**
 * The request body, or 'too-large' as soon as it passes `limit` (a declared Content-Length over
 * it is refused before anything is read). Listeners, not `for await`: leaving an async iterator
 * early destroys the request, and with it the socket the 413 must still be written to. After
 * 'too-large' the rest is read and dropped so the connection stays usable, up to
 * {@link discardLimit} bytes; a client that sends more than that is cut off.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    discardRest(req, limit, 0);
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        chunks.length = 0;
        discardRest(req, limit, size);
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Most bytes of a refused body read and dropped to keep its connection: 8 × the limit, at least 16 MiB. */
function discardLimit(limit: number): number {
  return Math.max(8 * limit, 16 * 1024 * 1024);
}

function discardRest(req: IncomingMessage, limit: number, alreadyRead: number): void {
  let read = alreadyRead;
  const cap = discardLimit(limit);
  req.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > cap) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}
