import type { GatewayKeys } from './gateway-keys';
import { KeyRateLimiter, type KeyPolicies, type KeyPolicy } from './key-policy';

/** Who is calling, once their credential has been checked. */
export type Caller =
  /** Gateway keys are off: anyone may call, under the open policy. */
  | { readonly kind: 'open' }
  /** A service holding a gateway key (`GATEWAY_API_KEYS`), named by its key id. */
  | { readonly kind: 'key'; readonly keyId: string };

export type Authentication =
  | { readonly ok: true; readonly caller: Caller; readonly policy: KeyPolicy }
  | {
      readonly ok: false;
      /** 401: no or a wrong credential; 429: the caller's rate is spent. */
      readonly status: 401 | 429;
      readonly code: 'UNAUTHENTICATED' | 'RATE_LIMITED';
      readonly message: string;
      readonly retryAfterSeconds?: number;
    };

/** How a caller is named in logs, audit lines and rate buckets: never the credential itself. */
export function callerLabel(caller: Caller): string | null {
  switch (caller.kind) {
    case 'open':
      return null;
    case 'key':
      return `key:${caller.keyId}`;
  }
}

/**
 * The one place a request's credential is checked, for every transport that carries operations
 * (GraphQL over HTTP, media, live subscriptions): the `Authorization` header's bearer is checked,
 * the caller's policy looked up and its request rate taken. A refusal says which check failed and
 * never echoes the credential.
 */
export class Authenticator {
  private readonly rate: KeyRateLimiter;

  constructor(
    private readonly keys: GatewayKeys,
    private readonly policies: KeyPolicies,
    options: { rateLimiter?: KeyRateLimiter } = {},
  ) {
    this.rate = options.rateLimiter ?? new KeyRateLimiter();
  }

  /** Whether a request without a credential is refused. */
  get required(): boolean {
    return this.keys.enabled;
  }

  /** Checks `authorization` (the header's value, e.g. `Bearer <key>`) and takes one request of the caller's rate. */
  async authenticate(authorization: string | undefined): Promise<Authentication> {
    const identified = await this.identify(authorization);
    if (!identified.ok) return identified;
    return this.takeRate(identified.caller, identified.policy);
  }

  /** Checks the credential only, taking nothing from the caller's rate (media: one play is many range requests). */
  async identify(authorization: string | undefined): Promise<Authentication> {
    const key = this.keys.check(authorization);
    if (!key.ok) return { ok: false, status: 401, code: 'UNAUTHENTICATED', message: key.reason };
    const caller: Caller = key.keyId === null ? { kind: 'open' } : { kind: 'key', keyId: key.keyId };
    return { ok: true, caller, policy: this.policies.for(key.keyId) };
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
      message: caller.kind === 'key' ? 'This gateway key sent too many requests' : 'This caller sent too many requests',
      retryAfterSeconds: rate.retryAfterSeconds,
    };
  }
}
