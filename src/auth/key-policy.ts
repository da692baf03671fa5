import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * What one gateway key may do (`GATEWAY_API_KEY_POLICIES`). Keys are named by their key id —
 * the first 12 hex digits of the key's SHA-256 (`printf %s "$KEY" | sha256sum | cut -c1-12`),
 * the same id the audit log shows — so the policy itself holds no secret. `*` is the policy of
 * every key that has none of its own.
 */
export interface KeyPolicy {
  /** Label shown in audit lines next to the key id. */
  name: string | undefined;
  /** Refuses every mutation. */
  readOnly: boolean;
  /** Project ids the key may name (`projectId` arguments, given or defaulted); undefined = any. */
  projects: ReadonlySet<string> | undefined;
  /** Bandwidth account ids the key may name (`accountId` arguments, given or defaulted); undefined = any. */
  accounts: ReadonlySet<string> | undefined;
  /** Root fields (queries and mutations) the key may use; undefined = all. */
  rootFields: ReadonlySet<string> | undefined;
  /** Requests per minute, burst included; 0 = unlimited. */
  requestsPerMinute: number;
}

/** The policy that restricts nothing (gateway keys off; the rate limit aside). */
export const UNRESTRICTED_POLICY: KeyPolicy = {
  name: undefined,
  readOnly: false,
  projects: undefined,
  accounts: undefined,
  rootFields: undefined,
  requestsPerMinute: 0,
};

export interface KeyPolicies {
  /** The policy of a key id (`null` when gateway keys are off: the open default). */
  for(keyId: string | null): KeyPolicy;
  /** Whether any policy restricts anything (lets the gateway skip the checks entirely). */
  readonly restrictive: boolean;
}

const KEY_ID = /^[0-9a-f]{12}$/;

const policyEntry = z
  .object({
    name: z.string().min(1).max(64).optional(),
    readOnly: z.boolean().optional(),
    projects: z.array(z.string().min(1)).optional(),
    accounts: z.array(z.string().min(1)).optional(),
    rootFields: z.array(z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/)).optional(),
    requestsPerMinute: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

const policyFile = z.record(z.string(), policyEntry);

/** The key id of a gateway key: what audit lines and policies name it by. */
export function keyIdOf(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/**
 * Parses `GATEWAY_API_KEY_POLICIES` (JSON object: key id or `*` → policy). Throws a TypeError
 * naming the entry that is wrong; a policy naming a key id that no configured key has is a typo
 * and refused.
 */
export function parseKeyPolicies(
  json: string | undefined,
  options: { apiKeys: readonly string[]; defaultRequestsPerMinute: number },
): KeyPolicies {
  const open: KeyPolicy = {
    name: undefined,
    readOnly: false,
    projects: undefined,
    accounts: undefined,
    rootFields: undefined,
    requestsPerMinute: options.defaultRequestsPerMinute,
  };
  let raw: unknown = {};
  if (json !== undefined) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new TypeError('must be a JSON object of key id → policy');
    }
  }
  const parsed = policyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'is invalid'}`);
  }
  const known = new Set(options.apiKeys.map(keyIdOf));
  const byKeyId = new Map<string, KeyPolicy>();
  let fallback = open;
  for (const [id, entry] of Object.entries(parsed.data)) {
    if (id !== '*' && !KEY_ID.test(id)) throw new TypeError(`${id}: a key id is 12 lower-case hex digits (or *)`);
    if (id !== '*' && !known.has(id)) throw new TypeError(`${id}: no key in GATEWAY_API_KEYS has this id`);
    const policy: KeyPolicy = {
      name: entry.name,
      readOnly: entry.readOnly ?? false,
      projects: entry.projects && new Set(entry.projects),
      accounts: entry.accounts && new Set(entry.accounts),
      rootFields: entry.rootFields && new Set(entry.rootFields),
      requestsPerMinute: entry.requestsPerMinute ?? options.defaultRequestsPerMinute,
    };
    if (id === '*') fallback = policy;
    else byKeyId.set(id, policy);
  }
  const all = [fallback, ...byKeyId.values()];
  const restrictive = all.some((p) => p.readOnly || p.projects || p.accounts || p.rootFields);
  return {
    restrictive,
    for: (keyId) => (keyId === null ? open : (byKeyId.get(keyId) ?? fallback)),
  };
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Per-key request rate (token bucket: `requestsPerMinute` tokens, refilled evenly). Kept in
 * this process: with N replicas a key gets up to N times its rate, which the operator divides
 * by when setting it. In-process on purpose: a rate limiter must keep working when Redis is down.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  take(keyId: string, requestsPerMinute: number): RateDecision {
    if (requestsPerMinute <= 0) return { ok: true };
    const now = this.now();
    const perMs = requestsPerMinute / 60_000;
    if (this.buckets.size >= MAX_BUCKETS && !this.buckets.has(keyId)) this.sweep(now);
    const bucket = this.buckets.get(keyId) ?? { tokens: requestsPerMinute, at: now };
    bucket.tokens = Math.min(requestsPerMinute, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  /** Signed-in users make buckets without end: one untouched for a minute is full again, and forgetting it changes nothing. */
  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) if (now - bucket.at >= 60_000) this.buckets.delete(id);
  }
}

/** Buckets kept before the full ones are swept. */
const MAX_BUCKETS = 10_000;
