import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Readable } from 'node:stream';

/**
 * A simulated upstream: a real HTTP server on loopback with routes faithful to a vendor's API,
 * plus switches for latency and faults and a log of every call received. Tests, the benchmark
 * and `npm start` without endpoints all use the same simulators.
 */
export interface SimRequest {
  method: string;
  /** Path as received (still percent-encoded). */
  rawPath: string;
  /** Decoded path parameters of the matched route. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** One header's (first) value, by lower-case name. */
  header(name: string): string | undefined;
  body: Buffer;
  /** The body parsed as JSON; undefined when empty, throws on invalid JSON. */
  json(): unknown;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string | number>;
  /** Serialised as JSON (content-type application/json). */
  json?: unknown;
  /** Raw body (text, bytes or a stream). */
  body?: string | Buffer | Readable;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** A fault the simulator applies instead of (or before) answering normally. */
export type SimFault =
  | { kind: 'status'; status: number; json?: unknown; headers?: Record<string, string> }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  /** Holds the request without answering for `ms` (then answers normally). */
  | { kind: 'hang'; ms: number }
  /** Destroys the connection without an answer. */
  | { kind: 'reset' }
  /** Answers 200 with a body that is not JSON. */
  | { kind: 'garbage' };

interface FaultRule {
  fault: SimFault;
  /** How many more calls it applies to (Infinity = until cleared). */
  remaining: number;
  /** Only calls whose path starts with this (default: all). */
  pathPrefix?: string;
  /** Applies to every n-th matching call only (1 = every call). */
  every: number;
  seen: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** When the call arrived (epoch ms). */
  at: number;
  /** When its answer was handed to the socket (epoch ms); absent until then (or for a fault that never answers). */
  answeredAt?: number;
}

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: SimHandler;
}

export class Simulator {
  readonly calls: RecordedCall[] = [];
  private readonly routes: Route[] = [];
  private readonly faults: FaultRule[] = [];
  private readonly sockets = new Set<Socket>();
  private server: http.Server | null = null;
  private latencyMs = 0;
  private baseUrl = '';

  constructor(readonly name: string) {}

  /** Adds a route; `pattern` uses `:name` segments, e.g. `/v5/:projectId/api/pipelines/status`. */
  route(method: string, pattern: string, handler: SimHandler): this {
    const keys: string[] = [];
    const source = pattern
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** Delay added before every answer (ms). */
  setLatency(ms: number): this {
    this.latencyMs = ms;
    return this;
  }

  /** Applies `fault` to the next `times` calls (default: until {@link clearFaults}). */
  inject(fault: SimFault, options: { times?: number; pathPrefix?: string; every?: number } = {}): this {
    this.faults.push({
      fault,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
      pathPrefix: options.pathPrefix,
      every: options.every ?? 1,
      seen: 0,
    });
    return this;
  }

  clearFaults(): this {
    this.faults.length = 0;
    return this;
  }

  /** Calls received whose path starts with `pathPrefix` (all when absent). */
  callCount(pathPrefix = ''): number {
    return this.calls.filter((c) => c.path.startsWith(pathPrefix)).length;
  }

  resetCalls(): this {
    this.calls.length = 0;
    return this;
  }

  get url(): string {
    if (!this.baseUrl) throw new TypeError(`Simulator ${this.name} is not listening: call listen() first`);
    return this.baseUrl;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body: body.toString('utf8'),
      at: Date.now(),
    };
    this.calls.push(call);
    res.once('finish', () => (call.answeredAt = Date.now()));

    if (this.latencyMs > 0) await delay(this.latencyMs);
    const fault = this.takeFault(url.pathname);
    if (fault) {
      const handled = await this.applyFault(fault, res);
      if (handled) return;
    }

    let response: SimResponse;
    try {
      response = await this.dispatch(method, url, req.headers, body);
    } catch (err) {
      response = { status: 500, json: { error_code: 'SIM.500', error_msg: `simulator error: ${(err as Error).message}` } };
    }
    send(res, response);
  }

  private async dispatch(method: string, url: URL, headers: IncomingMessage['headers'], body: Buffer): Promise<SimResponse> {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return route.handler({
        method,
        rawPath: url.pathname,
        params,
        query: url.searchParams,
        headers,
        header: (name) => {
          const v = headers[name];
          return Array.isArray(v) ? v[0] : v;
        },
        body,
        json: (): unknown => (body.length ? JSON.parse(body.toString('utf8')) : undefined),
      });
    }
    return pathMatched
      ? { status: 405, json: { error_code: 'SIM.405', error_msg: `method ${method} not allowed` } }
      : { status: 404, json: { error_code: 'SIM.404', error_msg: `no route for ${url.pathname}` } };
  }

  private takeFault(pathname: string): SimFault | undefined {
    for (const rule of this.faults) {
      if (rule.remaining <= 0) continue;
      if (rule.pathPrefix && !pathname.startsWith(rule.pathPrefix)) continue;
      rule.seen += 1;
      if (rule.seen % rule.every !== 0) continue;
      rule.remaining -= 1;
      return rule.fault;
    }
    return undefined;
  }

  /** Returns true when the fault answered (or dropped) the request. */
  private async applyFault(fault: SimFault, res: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case 'status':
        send(res, {
          status: fault.status,
          headers: fault.headers,
          json: fault.json ?? { error_code: `SIM.${fault.status}`, error_msg: 'injected fault' },
        });
        return true;
      case 'rate-limit':
        send(res, {
          status: 429,
          headers: { 'retry-after': fault.retryAfterSeconds },
          json: { error_code: 'SIM.429', error_msg: 'Too Many Requests' },
        });
        return true;
      case 'hang':
        await delay(fault.ms);
        return false;
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'garbage':
        send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"truncated": [1, 2' });
        return true;
    }
  }
}

function send(res: ServerResponse, response: SimResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { ...response.headers };
  if (response.json !== undefined) {
    const text = JSON.stringify(response.json);
    headers['content-type'] ??= 'application/json;charset=UTF-8';
    headers['content-length'] = Buffer.byteLength(text);
    res.writeHead(response.status, headers);
    res.end(text);
    return;
  }
  if (response.body instanceof Readable) {
    res.writeHead(response.status, headers);
    response.body.pipe(res);
    return;
  }
  const body = response.body ?? '';
  headers['content-length'] = Buffer.byteLength(body);
  res.writeHead(response.status, headers);
  res.end(body);
}

function delay(ms: number): Promise<void> {
  // Unref'd: a simulated hang must never keep a closing process alive.
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
