import type { ServerResponse } from 'node:http';
import { refusalExtensions, type AuthRefusal } from '../auth/authenticate';
import type { Metrics } from '../observability/metrics';

/**
 * Answers a refused authentication over HTTP (GraphQL and SSE alike): the refusal's status, a
 * `WWW-Authenticate` challenge on 401, `Retry-After` on a spent rate, and a GraphQL-shaped body.
 */
export function sendAuthRefusal(res: ServerResponse, refusal: AuthRefusal, metrics: Metrics): void {
  if (refusal.status === 401) res.setHeader('www-authenticate', 'Bearer realm="gateway"');
  if (refusal.retryAfterSeconds !== undefined) {
    metrics.operationsRefused.inc({ reason: 'rate' });
    res.setHeader('retry-after', String(refusal.retryAfterSeconds));
  }
  const text = JSON.stringify({ errors: [{ message: refusal.message, extensions: refusalExtensions(refusal) }] });
  res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The caller's own Huawei token (`X-Auth-Token`), when it sent one. */
export function callerTokenOf(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && header ? header : undefined;
}
