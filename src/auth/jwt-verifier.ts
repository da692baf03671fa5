import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import type { EndUserAuthConfig } from '../config';
import { policyFromClaims, scopesOf } from './claim-policy';
import type { IssuerKeys } from './issuer-keys';
import type { KeyPolicy } from './key-policy';

/** A signed-in end user, as a verified token names them. */
export interface VerifiedUser {
  subject: string;
  scopes: ReadonlySet<string>;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
  policy: KeyPolicy;
}

export type TokenCheck =
  | { ok: true; user: VerifiedUser }
  /** 401: the token is refused; 503: no key set was ever fetched from the provider. */
  | { ok: false; status: 401 | 503; message: string };

/** Asymmetric signature algorithms: never `none`, never an HMAC (which a public key could key). */
export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const ACCEPTED = new Set(ACCEPTED_ALGORITHMS);

/** Clock skew allowed on `exp` and `nbf` (contract: 60 s). */
export const CLOCK_TOLERANCE_SECONDS = 60;

const SUBJECT = /^[\x20-\x7E]{1,255}$/;
const MAX_TOKEN_BYTES = 16 * 1024;

export interface JwtVerifierOptions {
  /** Most verified tokens remembered (by SHA-256) until they expire. Default 10 000. */
  cacheSize?: number;
  /** Clock (ms). Default Date.now. */
  now?: () => number;
}

/**
 * Verifies end users' bearer JWTs (jose) against the issuer's published keys, and maps their
 * claims onto a policy. A refusal says which check failed, never the token.
 *
 * Verified tokens are remembered per process by their SHA-256 until they expire (leeway
 * included), so a browser sending the same token on every request pays one signature check,
 * not one per request. A key withdrawn at the provider therefore stops a token it signed at the
 * token's expiry, not before (access tokens are short-lived; see docs/security.md).
 */
export class JwtVerifier {
  private readonly verified = new Map<string, VerifiedUser>();
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(
    private readonly config: EndUserAuthConfig,
    private readonly keys: IssuerKeys,
    options: JwtVerifierOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<TokenCheck> {
    if (token.length > MAX_TOKEN_BYTES) return refuse('The token is malformed: it is too long');
    const digest = createHash('sha256').update(token).digest('base64url');
    const known = this.verified.get(digest);
    if (known) {
      if (known.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 > this.now()) return { ok: true, user: known };
      this.verified.delete(digest);
    }
    const checked = await this.check(token);
    if (checked.ok) this.remember(digest, checked.user);
    return checked;
  }

  private async check(token: string): Promise<TokenCheck> {
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return refuse('The token is malformed: its header is not a JWS header');
    }
    if (typeof header.alg !== 'string' || !ACCEPTED.has(header.alg)) {
      const alg = typeof header.alg === 'string' && /^[A-Za-z0-9]{1,12}$/.test(header.alg) ? ` ${header.alg}` : '';
      return refuse(`The token's algorithm${alg} is not accepted: only asymmetric signatures (RS, PS, ES, EdDSA) are`);
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    if (!this.keys.loaded || (kid !== undefined && !this.keys.knows(kid))) await this.keys.refreshForKid(kid);
    const getKey = this.keys.getKey;
    if (!getKey) {
      return { ok: false, status: 503, message: "The sign-in provider's keys could not be fetched yet: try again shortly" };
    }
    if (kid !== undefined && !this.keys.knows(kid)) return refuse("The token's signing key (kid) is not one the issuer publishes");

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ACCEPTED_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      return refuse(reasonOf(err));
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || !SUBJECT.test(subject)) return refuse('The token has no usable subject (sub)');
    const mapped = policyFromClaims(payload, this.config.claims, this.config.requestsPerMinute);
    if (!mapped.ok) return refuse(`The token's ${JSON.stringify(mapped.claim)} claim does not have the form the gateway expects`);
    return {
      ok: true,
      user: { subject, scopes: scopesOf(payload), expiresAt: (payload.exp ?? 0) * 1000, policy: mapped.policy },
    };
  }

  private remember(digest: string, user: VerifiedUser): void {
    if (this.verified.size >= this.cacheSize) {
      // Oldest first (insertion order): drop the expired, else the oldest tenth.
      const now = this.now();
      for (const [k, u] of this.verified) if (u.expiresAt + CLOCK_TOLERANCE_SECONDS * 1000 <= now) this.verified.delete(k);
      if (this.verified.size >= this.cacheSize) {
        let drop = Math.ceil(this.cacheSize / 10);
        for (const k of this.verified.keys()) {
          if (drop-- <= 0) break;
          this.verified.delete(k);
        }
      }
    }
    this.verified.set(digest, user);
  }
}

function refuse(message: string): TokenCheck {
  return { ok: false, status: 401, message };
}

/** Which check failed, in words; jose's own messages may quote claim values, so they are not passed on. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The token has expired (exp)';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return err.reason === 'missing' ? 'The token has no issuer (iss)' : "The token's issuer (iss) is not the one this gateway trusts";
      case 'aud':
        return err.reason === 'missing' ? 'The token has no audience (aud)' : "The token's audience (aud) does not name this gateway";
      case 'nbf':
        return 'The token is not valid yet (nbf)';
      case 'iat':
        return 'The token was issued in the future (iat)';
      case 'exp':
        return err.reason === 'missing' ? 'The token has no expiry (exp)' : 'The token has expired (exp)';
      case 'sub':
        return 'The token has no subject (sub)';
      default:
        return 'A claim of the token failed its check';
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return "The token's algorithm is not accepted: only asymmetric signatures are";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The token's signature does not verify";
  if (err instanceof errors.JWKSNoMatchingKey) return "The token's signing key is not one the issuer publishes";
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'The token names no key (kid) and the issuer publishes several';
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) return 'The token is malformed';
  return 'The token could not be verified';
}
