import { createHash } from 'node:crypto';
import type { Authentication, Caller } from './authenticate';
import type { KeyPolicy } from './key-policy';

/**
 * Who is asking, as far as the gateway is concerned. Built once per request, after the
 * `Authenticator` (src/auth/authenticate.ts) has checked its credential.
 */
export interface Principal {
  /** Request id (from X-Request-Id or generated), on every log line. */
  requestId: string;
  /** Short, non-reversible id of the gateway key used (audit logs, media links); null when none was. */
  gatewayKeyId: string | null;
  /** Who is calling, as the authenticator established it. */
  caller: Caller;
  /** What the caller may do: read-only, projects, accounts, root fields, rate. */
  policy: KeyPolicy;
  /** The caller's own Huawei token (X-Auth-Token), used in place of the gateway's. */
  callerToken: string | undefined;
}

/** Hash used in cache keys and logs in place of a credential. Never reversible. */
export function identityHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** The principal of an authenticated request, whatever its transport. */
export function principalOf(auth: Extract<Authentication, { ok: true }>, requestId: string, callerToken: string | undefined): Principal {
  const gatewayKeyId = auth.caller.kind === 'key' ? auth.caller.keyId : null;
  return { requestId, gatewayKeyId, callerToken, caller: auth.caller, policy: auth.policy };
}
