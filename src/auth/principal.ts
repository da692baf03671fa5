import { createHash } from 'node:crypto';

/**
 * Who is asking, as far as the gateway is concerned. Built once per HTTP request in
 * `server.ts` after the gateway key check.
 */
export interface Principal {
  /** Request id (from X-Request-Id or generated), on every log line. */
  requestId: string;
  /** Short, non-reversible id of the gateway key used (audit logs); null when keys are off. */
  gatewayKeyId: string | null;
  /** The caller's own Huawei token (X-Auth-Token), used in place of the gateway's. */
  callerToken: string | undefined;
}

/** Hash used in cache keys and logs in place of a credential. Never reversible. */
export function identityHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
