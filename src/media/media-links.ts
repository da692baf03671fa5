import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RecordingKey } from '../upstreams/bandwidth/client';

/** Root of the gateway's media route. */
export const MEDIA_RECORDINGS_PREFIX = '/media/recordings/';

/** How long a signed media link stays valid by default (s). */
export const DEFAULT_MEDIA_LINK_TTL_SECONDS = 900;

/** Root-relative path of a recording's media on this gateway (each segment encoded once). */
export function mediaPath(key: RecordingKey): string {
  return MEDIA_RECORDINGS_PREFIX + [key.accountId, key.callId, key.recordingId].map(encodeURIComponent).join('/');
}

export type LinkCheck = { ok: true; keyId: string } | { ok: false; reason: string };

export interface MediaLinkSignerOptions {
  /** Lifetime of a link (s). Default {@link DEFAULT_MEDIA_LINK_TTL_SECONDS}. */
  ttlSeconds?: number;
  /** Clock (ms), injectable for tests. Default Date.now. */
  now?: () => number;
}

const LINK_CONTEXT = 'bff-gateway media link v1';

/**
 * Short-lived signatures for media links, so a browser `<audio src>` (which cannot send an
 * Authorization header) can play a recording when gateway keys are on.
 *
 * Each gateway key yields its own signing secret, HMAC-SHA256(key, context), never the key
 * itself: a link names the key that minted it by its public id (the same short digest
 * `GatewayKeys` reports), so removing a key from GATEWAY_API_KEYS also revokes its links. The
 * signature covers the path and the expiry; the query is `exp`, `kid`, `sig`.
 */
export class MediaLinkSigner {
  private readonly secrets = new Map<string, Buffer>();
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(keys: readonly string[], options: MediaLinkSignerOptions = {}) {
    for (const key of keys) {
      const keyId = createHash('sha256').update(key).digest('hex').slice(0, 12);
      this.secrets.set(keyId, createHmac('sha256', key).update(LINK_CONTEXT).digest());
    }
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_MEDIA_LINK_TTL_SECONDS;
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.secrets.size > 0;
  }

  /** `path` with the signature query appended, minted for the key `keyId`. */
  sign(path: string, keyId: string): string {
    const secret = this.secrets.get(keyId);
    if (!secret)
      throw new TypeError(`MediaLinkSigner.sign: keyId must be the id of a configured gateway key, got ${JSON.stringify(keyId)}`);
    const exp = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const query = new URLSearchParams({ exp: String(exp), kid: keyId, sig: signature(secret, path, exp) });
    return `${path}?${query.toString()}`;
  }

  /** Checks the signature query of a request for `path` (the canonical encoding). */
  verify(path: string, query: URLSearchParams): LinkCheck {
    const exp = query.get('exp');
    const kid = query.get('kid');
    const sig = query.get('sig');
    if (!exp || !kid || !sig) return { ok: false, reason: 'A gateway key or a signed media link is required' };
    const secret = this.secrets.get(kid);
    if (!secret || !/^\d{1,12}$/.test(exp)) return { ok: false, reason: 'The media link is not valid' };
    const expected = Buffer.from(signature(secret, path, Number(exp)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'The media link is not valid' };
    if (Number(exp) * 1000 < this.now()) return { ok: false, reason: 'The media link has expired' };
    return { ok: true, keyId: kid };
  }
}

function signature(secret: Buffer, path: string, exp: number): string {
  return createHmac('sha256', secret).update(`${path}\n${exp}`).digest('base64url');
}

const byKeys = new WeakMap<readonly string[], MediaLinkSigner>();

/** The signer for a gateway's configured keys (built once per key list). */
export function mediaLinkSignerFor(keys: readonly string[]): MediaLinkSigner {
  let signer = byKeys.get(keys);
  if (!signer) {
    signer = new MediaLinkSigner(keys);
    byKeys.set(keys, signer);
  }
  return signer;
}
