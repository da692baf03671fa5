import type { GatewayKeys } from './gateway-keys';
import type { JwtVerifier } from './jwt-verifier';
import { KeyRateLimiter, type KeyPolicies, type KeyPolicy } from './key-policy';

/** Who is calling, once their credential has been checked. */
export type Caller =
  /** Gateway keys are off: anyone may call, under the open policy. */
  | { readonly kind: 'open' }
  /** A service holding a gateway key (`GATEWAY_API_KEYS`), named by its key id. */
  | { readonly kind: 'key'; readonly keyId: string }
  /** An end user signed in with a JWT from the OIDC issuer (`AUTH_JWT_ISSUER`), named by its subject. */
  | {
      readonly kind: 'user';
      /** The token's `sub`. */
      readonly subject: string;
      /** The token's scopes (`scope` or `scp`). */
      readonly scopes: ReadonlySet<string>;
      /** When the token expires (ms since the epoch): media links minted for the user end by then. */
      readonly expiresAt: number;
    };

export type Authentication =
  | { readonly ok: true; readonly caller: Caller; readonly policy: KeyPolicy }
  | {
      readonly ok: false;
      /** 401: no or a wrong credential; 429: the caller's rate is spent; 503: the sign-in provider's keys were never fetched. */
      readonly status: 401 | 429 | 503;
      readonly code: 'UNAUTHENTICATED' | 'RATE_LIMITED' | 'UPSTREAM_UNAVAILABLE';
      readonly message: string;
      readonly retryAfterSeconds?: number;
    };

/** A refused authentication: what every transport answers with (HTTP status, or a GraphQL error over WebSocket). */
export type AuthRefusal = Extract<Authentication, { ok: false }>;

/** The `extensions` of a refusal's GraphQL error: its code, and when to retry if its rate is spent. */
export function refusalExtensions(refusal: AuthRefusal): { code: AuthRefusal['code']; retryAfterSeconds?: number } {
  return refusal.retryAfterSeconds === undefined
    ? { code: refusal.code }
    : { code: refusal.code, retryAfterSeconds: refusal.retryAfterSeconds };
}

/** How a caller is named in logs, audit lines and rate buckets: never the credential itself. */
export function callerLabel(caller: Caller): string | null {
  switch (caller.kind) {
    case 'open':
      return null;
    case 'key':
      return `key:${caller.keyId}`;
    case 'user':
      return `user:${caller.subject}`;
  }
}

/** Three base64url segments: what a JWS compact serialization looks like (an unsigned `none` token has an empty third). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The one place a request's credential is checked, for every transport that carries operations
 * (GraphQL over HTTP, media, live subscriptions): the `Authorization` header's bearer is checked,
 * the caller's policy looked up and its request rate taken. A refusal says which check failed and
 * never echoes the credential.
 */
export class Authenticator {
  private readonly rate: KeyRateLimiter;

  private readonly jwt: JwtVerifier | undefined;

  constructor(
    private readonly keys: GatewayKeys,
    private readonly policies: KeyPolicies,
    options: { rateLimiter?: KeyRateLimiter; jwt?: JwtVerifier } = {},
  ) {
    this.rate = options.rateLimiter ?? new KeyRateLimiter();
    this.jwt = options.jwt;
  }

  /** Whether a request without a credential is refused: gateway keys or end-user sign-in are on. */
  get required(): boolean {
    return this.keys.enabled || this.jwt !== undefined;
  }

  /** Whether end users may sign in with JWTs. */
  get signIn(): boolean {
    return this.jwt !== undefined;
  }

  /** Checks `authorization` (the header's value, e.g. `Bearer <key>`) and takes one request of the caller's rate. */
  async authenticate(authorization: string | undefined): Promise<Authentication> {
    const identified = await this.identify(authorization);
    if (!identified.ok) return identified;
    return this.takeRate(identified.caller, identified.policy);
  }

  /** Checks the credential only, taking nothing from the caller's rate (media: one play is many range requests). */
  async identify(authorization: string | undefined): Promise<Authentication> {
    if (this.jwt) return this.identifyBearer(this.jwt, authorization);
    const key = this.keys.check(authorization);
    if (!key.ok) return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: key.reason };
    const caller: Caller = key.keyId === null ? { kind: 'open' } : { kind: 'key', keyId: key.keyId };
    return { ok: true, caller, policy: this.policies.for(key.keyId) };
  }

  /**
   * With sign-in on, a bearer is a gateway key when it is one (keys are compared first, in
   * constant time, so a configured key is never mistaken for a token); otherwise, when it has
   * the shape of a JWT, it is verified as the end user's token.
   */
  private async identifyBearer(jwt: JwtVerifier, authorization: string | undefined): Promise<Authentication> {
    const bearer = BEARER.exec(authorization ?? '')?.[1];
    if (!bearer) {
      return unauthenticated(
        this.keys.enabled
          ? "A gateway key or a signed-in user's token is required: send Authorization: Bearer <key or token>"
          : "A signed-in user's token is required: send Authorization: Bearer <token>",
      );
    }
    if (this.keys.enabled) {
      const key = this.keys.check(authorization);
      if (key.ok && key.keyId !== null)
        return { ok: true, caller: { kind: 'key', keyId: key.keyId }, policy: this.policies.for(key.keyId) };
    }
    if (!JWT_SHAPE.test(bearer)) {
      return unauthenticated(
        this.keys.enabled
          ? 'The bearer is neither a valid gateway key nor a well-formed token (JWT)'
          : 'The token is malformed: it is not a JWT',
      );
    }
    const checked = await jwt.verify(bearer);
    if (!checked.ok) {
      return checked.status === 503
        ? { ok: false, status: 503, code: 'UPSTREAM_UNAVAILABLE', message: checked.message }
        : unauthenticated(checked.message);
    }
    const { subject, scopes, expiresAt, policy } = checked.user;
    return { ok: true, caller: { kind: 'user', subject, scopes, expiresAt }, policy };
  }

  private takeRate(caller: Caller, policy: KeyPolicy): Authentication {
    const label = callerLabel(caller);
    if (label === null) return { ok: true, caller, policy };
    const rate = this.rate.take(label, policy.requestsPerMinute);
    if (rate.ok) return { ok: true, caller, policy };
    return {
      ok: false,
      status: 429,
      code: 'RATE_LIMITED',
      message:
        caller.kind === 'key'
          ? 'This gateway key sent too many requests'
          : caller.kind === 'user'
            ? 'This user sent too many requests'
            : 'This caller sent too many requests',
      retryAfterSeconds: rate.retryAfterSeconds,
    };
  }
}

function unauthenticated(message: string): Authentication {
  return { ok: false, status: 401, code: 'UNAUTHENTICATED', message };
}
