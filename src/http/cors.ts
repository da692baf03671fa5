import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsPolicy {
  /** Allowed origins (`scheme://host[:port]`), or `*` for any; empty = no cross-origin access. */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer (s). */
  maxAgeSeconds: number;
}

/** Request headers a browser client of the gateway sends (GraphQL over HTTP, CSRF, keys, caller token). */
const ALLOWED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-auth-token',
  'x-request-id',
].join(', ');

/**
 * CORS from configuration (`CORS_ORIGINS`). An allowed origin is echoed back (never a blanket
 * `*` with credentials); other origins get no CORS header, so browsers keep the answer from
 * them. A preflight is answered here with 204 and answers 'preflight'; otherwise the headers
 * are set and the request goes on ('continue').
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy): 'preflight' | 'continue' {
  const origin = req.headers.origin;
  const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (policy.origins.length > 0) res.setHeader('vary', 'Origin');
  const allowed = typeof origin === 'string' && (policy.origins.includes('*') || policy.origins.includes(origin.replace(/\/+$/, '')));
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
  }
  if (!isPreflight) return 'continue';
  if (allowed) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', String(policy.maxAgeSeconds));
  }
  res.writeHead(204, { 'content-length': 0 });
  res.end();
  return 'preflight';
}
