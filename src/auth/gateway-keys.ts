import { createHash, timingSafeEqual } from 'node:crypto';

export type KeyCheck = { ok: true; keyId: string | null } | { ok: false; reason: string };

/**
 * Gateway API keys (`GATEWAY_API_KEYS`). When any is configured, every GraphQL operation and
 * media request needs `Authorization: Bearer <key>`; the check runs before any upstream is
 * touched. Keys are compared as SHA-256 digests in constant time.
 */
export class GatewayKeys {
  private readonly digests: Array<{ digest: Buffer; keyId: string }>;

  constructor(keys: readonly string[]) {
    this.digests = keys.map((k) => {
      const digest = createHash('sha256').update(k).digest();
      return { digest, keyId: digest.toString('hex').slice(0, 12) };
    });
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  check(authorization: string | undefined): KeyCheck {
    if (!this.enabled) return { ok: true, keyId: null };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m?.[1]) return { ok: false, reason: 'A gateway key is required: send Authorization: Bearer <key>' };
    const digest = createHash('sha256').update(m[1]).digest();
    const match = this.digests.find((d) => timingSafeEqual(d.digest, digest));
    return match ? { ok: true, keyId: match.keyId } : { ok: false, reason: 'The gateway key is not valid' };
  }

  /** Key id of a valid key (for signing media links), or null. */
  idOf(key: string): string | null {
    const check = this.check(`Bearer ${key}`);
    return check.ok ? check.keyId : null;
  }
}
