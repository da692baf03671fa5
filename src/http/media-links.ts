import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RecordingKey } from '../upstreams/recording/client';

/** Root of the gateway's media route. */
export const MEDIA_RECORDINGS_PREFIX = '/media/recordings/';

/** How long a signed media link stays valid by default (s). */
export const DEFAULT_MEDIA_LINK_TTL_SECONDS = 900;

/** Root-relative path of a recording's media on this gateway (each segment encoded once). */
export function mediaPath(key: RecordingKey): string {
  return MEDIA_RECORDINGS_PREFIX + [key.accountId, key.callId, key.recordingId].map(encodeURIComponent).join('/');
}

export type LinkCheck =
  | { ok: true; keyId: string }
  /** A link minted for a signed-in user: `userId` is a keyed digest of the subject, never the subject. */
  | { ok: true; keyId: null; userId: string }
  | { ok: false; reason: string };

export interface MediaLinkSignerOptions {
  /** Lifetime of a link (s). Default {@link DEFAULT_MEDIA_LINK_TTL_SECONDS}. */
  ttlSeconds?: number;
  /** Clock (ms), injectable for tests. Default Date.now. */
  now?: () => number;
  /**
   * Secret signing links for signed-in users (`MEDIA_LINK_SECRET`); absent: no user links.
   * Replicas must share it, or a link minted by one is refused by another.
   */
  userSecret?: string | Buffer;
}

const LINK_CONTEXT = 'bff-gateway media link v1';
const USER_LINK_CONTEXT = 'bff-gateway user media link v1';

/**
 * Short-lived signatures for media links, so a browser `<audio src>` (which cannot send an
 * Authorization header) can play a recording when gateway keys are on.
 *
 * Each gateway key yields its own signing secret, HMAC-SHA256(key, context), never the key
 * itself: a link names the key that minted it by its public id (the same short digest
 * `GatewayKeys` reports), so removing a key from GATEWAY_API_KEYS also revokes its links. The
 * signature covers the path and the expiry; the query is `exp`, `kid`, `sig`.
 *
 * A signed-in user (a JWT) has no key of its own: their links are signed with the gateway's
 * user secret, bound to the subject (`uid`, a keyed digest of `sub` that reveals nothing of it)
 * and end at the sooner of the link lifetime and the token's expiry; the query is `exp`, `uid`,
 * `sig`. The operation that minted the link passed the user's scope checks for that recording.
 */
export class MediaLinkSigner {
  private readonly secrets = new Map<string, Buffer>();
  private readonly userSecret: Buffer | undefined;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(keys: readonly string[], options: MediaLinkSignerOptions = {}) {
    for (const key of keys) {
      const keyId = createHash('sha256').update(key).digest('hex').slice(0, 12);
      this.secrets.set(keyId, createHmac('sha256', key).update(LINK_CONTEXT).digest());
    }
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_MEDIA_LINK_TTL_SECONDS;
    this.now = options.now ?? Date.now;
    this.userSecret =
      options.userSecret === undefined ? undefined : createHmac('sha256', options.userSecret).update(USER_LINK_CONTEXT).digest();
  }

  /** Whether links can be minted for signed-in users. */
  get signsUsers(): boolean {
    return this.userSecret !== undefined;
  }

  /** `path` with a signature query for the user `subject`, valid until the link lifetime or `notAfterMs`, whichever is sooner. */
  signForUser(path: string, subject: string, notAfterMs: number): string {
    const secret = this.userSecret;
    if (!secret) throw new TypeError('MediaLinkSigner.signForUser: no user secret is configured');
    const exp = Math.min(Math.floor(this.now() / 1000) + this.ttlSeconds, Math.floor(notAfterMs / 1000));
    const uid = createHmac('sha256', secret).update(`sub\n${subject}`).digest('hex').slice(0, 16);
    const query = new URLSearchParams({ exp: String(exp), uid, sig: signature(secret, `${path}\n${uid}`, exp) });
    return `${path}?${query.toString()}`;
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
    const uid = query.get('uid');
    if (uid !== null) return this.verifyUser(path, query, exp, uid);
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

  private verifyUser(path: string, query: URLSearchParams, exp: string | null, uid: string): LinkCheck {
    const sig = query.get('sig');
    const secret = this.userSecret;
    if (!exp || !sig) return { ok: false, reason: 'A gateway key or a signed media link is required' };
    if (!secret || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{16}$/.test(uid)) return { ok: false, reason: 'The media link is not valid' };
    const expected = Buffer.from(signature(secret, `${path}\n${uid}`, Number(exp)));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'The media link is not valid' };
    if (Number(exp) * 1000 < this.now()) return { ok: false, reason: 'The media link has expired' };
    return { ok: true, keyId: null, userId: uid };
  }
}

function signature(secret: Buffer, path: string, exp: number): string {
  return createHmac('sha256', secret).update(`${path}\n${exp}`).digest('base64url');
}

const byKeys = new WeakMap<readonly string[], MediaLinkSigner>();

/** Signs users' links when MEDIA_LINK_SECRET is not set: good for one process, refused by any other. */
const PROCESS_USER_SECRET = randomBytes(32);

/**
 * The signer for a gateway's configuration (built once per key list): its gateway keys, and
 * with end-user sign-in on, `MEDIA_LINK_SECRET` (or a secret of this process) for users' links.
 */
export function mediaLinkSignerFor(config: {
  apiKeys: readonly string[];
  endUserAuth: unknown;
  mediaLinkSecret: string | undefined;
}): MediaLinkSigner {
  let signer = byKeys.get(config.apiKeys);
  if (!signer) {
    const userSecret = config.endUserAuth ? (config.mediaLinkSecret ?? PROCESS_USER_SECRET) : undefined;
    signer = new MediaLinkSigner(config.apiKeys, userSecret === undefined ? {} : { userSecret });
    byKeys.set(config.apiKeys, signer);
  }
  return signer;
}
