import { createHash, createHmac } from 'node:crypto';
import type { OutgoingRequest, RequestAuthenticator } from '../upstreams/http-client';

/**
 * Huawei Cloud AK/SK request signing (`SDK-HMAC-SHA256`), the alternative to IAM tokens.
 *
 * Canonical request: method, URI path ending in "/", sorted query, sorted lower-case headers,
 * signed-header list, hex SHA-256 of the body. String to sign:
 * "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + hex(sha256(canonical request)).
 */
export interface AkSkCredentials {
  ak: string;
  sk: string;
}

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** `YYYYMMDDTHHMMSSZ` */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function encodeRfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function canonicalRequest(method: string, url: URL, headers: Record<string, string>, signedHeaders: string[], body: string): string {
  const segments = url.pathname.split('/').map((s) => encodeRfc3986(decodeURIComponent(s)));
  let uri = segments.join('/');
  if (!uri.endsWith('/')) uri += '/';
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${lower[h] ?? ''}\n`).join('');
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return [method, uri, query, canonicalHeaders, signedHeaders.join(';'), bodyHash].join('\n');
}

export interface SignedHeaders {
  'X-Sdk-Date': string;
  Authorization: string;
}

/** Signs one request; `headers` must already hold host and content-type when they are sent. */
export function signRequest(
  credentials: AkSkCredentials,
  request: { method: string; url: URL; headers: Record<string, string>; body: string },
  now: Date,
): SignedHeaders {
  const date = sdkDate(now);
  const headers: Record<string, string> = { ...request.headers, 'x-sdk-date': date, host: request.url.host };
  const signedHeaders = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h, i, all) => all.indexOf(h) === i)
    .sort();
  const canonical = canonicalRequest(request.method, request.url, headers, signedHeaders, request.body);
  const stringToSign = `${SIGNING_ALGORITHM}\n${date}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const signature = createHmac('sha256', credentials.sk).update(stringToSign).digest('hex');
  return {
    'X-Sdk-Date': date,
    Authorization: `${SIGNING_ALGORITHM} Access=${credentials.ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}

/** Signs every attempt of an upstream call with AK/SK. */
export function createAkSkAuthenticator(credentials: AkSkCredentials, now: () => Date = () => new Date()): RequestAuthenticator {
  return {
    async authenticate(request: OutgoingRequest) {
      const { 'X-Sdk-Date': date, Authorization } = signRequest(credentials, request, now());
      return { 'X-Sdk-Date': date, Authorization };
    },
  };
}
