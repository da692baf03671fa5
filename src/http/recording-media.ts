import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UNRESTRICTED_POLICY, type KeyPolicy } from '../auth/key-policy';
import { requireApi, type GatewayServices } from '../context';
import {
  UpstreamError,
  UpstreamHttpError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  toGraphQLError,
} from '../errors';
import type { RouteHandler } from '../server';
import type { RecordingKey } from '../upstreams/recording/client';
import { bandwidthCredentials } from '../upstreams/recording/credentials';
import { idProblem } from '../upstreams/recording/ids';
import type { UpstreamStream } from '../upstreams/http-client';
import { MEDIA_RECORDINGS_PREFIX, mediaLinkSignerFor, mediaPath, type MediaLinkSigner } from './media-links';

export interface MediaRouteOptions {
  /** Signer of media links; default: one derived from the configured gateway keys. */
  signer?: MediaLinkSigner;
}

/** Upstream headers the browser needs to play and seek; everything else stays behind. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified'] as const;

/** Root fields whose answers carry media links: a key allowed none of them may not stream media. */
const RECORDING_READERS = ['recording', 'callRecordings', 'recordings'];

/** Most ranges one Range header may ask for; a longer list is ignored (whole body). */
const MAX_RANGES = 8;

/**
 * The Range header to pass upstream, or undefined to ignore it. Only a syntactically valid
 * byte-range set passes (`bytes=0-99`, `bytes=100-`, `bytes=-500`, comma-separated); anything
 * else, e.g. `bytes=10-5` (last before first), is ignored as RFC 9110 §14.2 asks: the answer is
 * then the whole body (200). A valid range past the end stays the upstream's 416.
 */
export function passableRange(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^bytes=(.+)$/i.exec(header.trim());
  if (!m?.[1]) return undefined;
  const specs = m[1].split(',').map((s) => s.trim());
  if (specs.length > MAX_RANGES) return undefined;
  for (const spec of specs) {
    const r = /^(\d{0,15})-(\d{0,15})$/.exec(spec);
    if (!r) return undefined;
    const [, first = '', last = ''] = r;
    if (first === '' && last === '') return undefined;
    if (first !== '' && last !== '' && Number(last) < Number(first)) return undefined;
  }
  return `bytes=${specs.join(',')}`;
}

/**
 * `GET /media/recordings/{accountId}/{callId}/{recordingId}`: streams a recording's media from
 * Bandwidth through the gateway, chunk by chunk with backpressure (never the whole file in
 * memory), keeping content type and length and passing Range requests through (206,
 * Content-Range, Accept-Ranges). `HEAD` answers the same headers without the body.
 *
 * When gateway keys are on, the request needs `Authorization: Bearer <key>` or the signed query
 * a `Recording.mediaUrl` carries; the check runs before any upstream call. Errors answer the
 * contract's codes in a GraphQL-shaped body (`{"errors": [{"message", "extensions"}]}`).
 */
export function createMediaRoute(services: GatewayServices, options: MediaRouteOptions = {}): RouteHandler {
  const { authenticator } = services;
  const signer = options.signer ?? mediaLinkSignerFor(services.config);

  /** A header, when sent, decides; otherwise the link's signature (browsers' `<audio src>`). */
  async function authorize(
    req: IncomingMessage,
    url: URL,
    key: RecordingKey,
  ): Promise<{ ok: true; policy: KeyPolicy; who: string } | { ok: false; status: number; code: string; reason: string }> {
    if (!authenticator.required || req.headers.authorization !== undefined) {
      const auth = await authenticator.identify(req.headers.authorization);
      if (!auth.ok) return { ok: false, status: auth.status, code: auth.code, reason: auth.message };
      return { ok: true, policy: auth.policy, who: auth.caller.kind === 'user' ? 'This user' : 'This gateway key' };
    }
    const link = signer.verify(mediaPath(key), url.searchParams);
    if (!link.ok) return { ok: false, status: 401, code: 'UNAUTHENTICATED', reason: link.reason };
    // A user's link was minted by an operation that passed the user's scope checks for this very path.
    return {
      ok: true,
      policy: link.keyId === null ? UNRESTRICTED_POLICY : services.config.keyPolicies.for(link.keyId),
      who: 'This gateway key',
    };
  }

  /**
   * The key's policy (GATEWAY_API_KEY_POLICIES) applies here as in GraphQL: its Bandwidth
   * accounts, and its root fields (media is part of reading recordings).
   */
  function forbidden(policy: KeyPolicy, accountId: string, who: string): string | null {
    if (policy.accounts && !policy.accounts.has(accountId)) return `${who} may not use Bandwidth account ${accountId}`;
    if (policy.rootFields && !RECORDING_READERS.some((field) => policy.rootFields?.has(field))) {
      return `${who} may not read recordings`;
    }
    return null;
  }

  return async (req, res, ctx) => {
    if (!ctx.url.pathname.startsWith(MEDIA_RECORDINGS_PREFIX)) return false;
    const segments = ctx.url.pathname.slice(MEDIA_RECORDINGS_PREFIX.length).split('/');
    if (segments.length !== 3 || segments.some((s) => s === '')) return false;

    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendError(res, 405, 'BAD_REQUEST', 'Only GET and HEAD are supported on /media');
      return true;
    }

    let key: RecordingKey;
    try {
      const [accountId, callId, recordingId] = segments.map((s) => decodeURIComponent(s)) as [string, string, string];
      key = { accountId, callId, recordingId };
    } catch {
      sendError(res, 400, 'BAD_USER_INPUT', 'The media path is not validly percent-encoded');
      return true;
    }

    const access = await authorize(req, ctx.url, key);
    if (!access.ok) {
      if (access.status === 401) res.setHeader('www-authenticate', 'Bearer realm="gateway"');
      sendError(res, access.status, access.code, access.reason);
      return true;
    }

    for (const kind of ['accountId', 'callId', 'recordingId'] as const) {
      const problem = idProblem(kind, key[kind]);
      if (problem) {
        sendError(res, 400, 'BAD_USER_INPUT', problem);
        return true;
      }
    }
    const refusal = forbidden(access.policy, key.accountId, access.who);
    if (refusal) {
      sendError(res, 403, 'FORBIDDEN', refusal);
      return true;
    }

    const range = passableRange(req.headers.range);
    // The upstream call ends when the browser goes away (seeking drops connections often).
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    });

    let upstream: UpstreamStream;
    try {
      const client = requireApi(services, 'bandwidth');
      upstream = await client.downloadMedia(key, { range }, bandwidthCredentials(services.config), abort.signal);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      sendUpstreamError(res, err);
      return true;
    }

    const headers: Record<string, string> = {
      'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff',
    };
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    headers['accept-ranges'] ??= 'bytes';
    res.writeHead(upstream.status, headers);
    if (method === 'HEAD') {
      // The upstream answered a GET: its body is not wanted. An undici body destroyed before
      // its end emits RequestAbortedError, which with no listener would end the process.
      discard(upstream.body);
      res.end();
      return true;
    }
    try {
      await pipeline(upstream.body, res);
    } catch (err) {
      // Headers are gone already: a broken stream can only be cut, which the client notices
      // by the short Content-Length.
      if (!abort.signal.aborted) services.logger.warn({ err, upstream: 'bandwidth', requestId: ctx.requestId }, 'media stream broke off');
      res.destroy();
    }
    return true;
  };
}

/** Drops a body nobody will read, without an unhandled 'error' event. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function statusFor(err: UpstreamError): number {
  if (err instanceof UpstreamRateLimitedError) return 429;
  if (err instanceof UpstreamHttpError) return [400, 403, 404, 416].includes(err.statusCode) ? err.statusCode : 502;
  if (err instanceof UpstreamTimeoutError) return 504;
  if (err instanceof UpstreamUnavailableError) return err.reason === 'connection' ? 502 : 503;
  return 502;
}

function sendUpstreamError(res: ServerResponse, err: UpstreamError): void {
  const status = statusFor(err);
  if (err instanceof UpstreamRateLimitedError && err.retryAfterSeconds !== undefined)
    res.setHeader('retry-after', String(err.retryAfterSeconds));
  if (err instanceof UpstreamHttpError && err.statusCode === 416 && err.headers['content-range']) {
    res.setHeader('content-range', err.headers['content-range']);
  }
  if (err instanceof UpstreamHttpError && err.statusCode === 416) {
    // The caller asked for bytes the recording does not have: the caller's mistake.
    sendError(res, 416, 'BAD_USER_INPUT', 'The requested range is not satisfiable: it starts past the end of the media');
    return;
  }
  const mapped = toGraphQLError(err);
  send(res, status, { errors: [{ message: mapped.message, extensions: mapped.extensions }] });
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { errors: [{ message, extensions: { code } }] });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
