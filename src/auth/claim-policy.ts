import { z } from 'zod';
import type { KeyPolicy } from './key-policy';

/**
 * Which token claims restrict a signed-in user's policy (`AUTH_JWT_CLAIMS`, a JSON object of
 * policy field → claim name), e.g. `{"projects": "projects", "requestsPerMinute": "rpm"}` reads
 * "the `projects` claim limits projects". A field left out is not restricted by any claim.
 *
 * A mapped claim is binding: when the token lacks it, the user gets none of what it would list
 * (no project, no account, no root field); `readOnly` then is false and `requestsPerMinute` the
 * configured default. A claim of the wrong type refuses the token (401), naming the claim.
 */
export interface ClaimMapping {
  /** Claim holding the project ids the user may name (array of strings, or a space-separated string). */
  projects?: string;
  /** Claim holding the Bandwidth account ids the user may name. */
  accounts?: string;
  /** Claim holding the root fields the user may use. */
  rootFields?: string;
  /** Boolean claim: true refuses every mutation, whatever the scopes. */
  readOnly?: string;
  /** Number claim: the user's requests per minute (0 = unlimited). */
  requestsPerMinute?: string;
}

const CLAIM_NAME = z.string().regex(/^[\x21-\x7E]{1,128}$/, { message: 'must be a claim name' });

const mappingSchema = z
  .object({
    projects: CLAIM_NAME.optional(),
    accounts: CLAIM_NAME.optional(),
    rootFields: CLAIM_NAME.optional(),
    readOnly: CLAIM_NAME.optional(),
    requestsPerMinute: CLAIM_NAME.optional(),
  })
  .strict();

/** Parses `AUTH_JWT_CLAIMS`; throws a TypeError naming the entry that is wrong. */
export function parseClaimMapping(json: string | undefined): ClaimMapping {
  if (json === undefined) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new TypeError('must be a JSON object of policy field → claim name');
  }
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

export type ClaimPolicy = { ok: true; policy: KeyPolicy } | { ok: false; claim: string };

const MAX_LISTED = 1000;

/** A list claim: an array of non-empty strings, or one space-separated string. */
function listClaim(value: unknown): ReadonlySet<string> | null {
  if (value === undefined) return new Set();
  const items = typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  if (!Array.isArray(items) || items.length > MAX_LISTED) return null;
  const out = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'string' || item === '' || item.length > 256) return null;
    out.add(item);
  }
  return out;
}

/** The policy of a verified token's claims under `mapping`. */
export function policyFromClaims(claims: Readonly<Record<string, unknown>>, mapping: ClaimMapping, defaultRpm: number): ClaimPolicy {
  const policy: KeyPolicy = {
    name: undefined,
    readOnly: false,
    projects: undefined,
    accounts: undefined,
    rootFields: undefined,
    requestsPerMinute: defaultRpm,
  };
  for (const field of ['projects', 'accounts', 'rootFields'] as const) {
    const claim = mapping[field];
    if (claim === undefined) continue;
    const list = listClaim(claims[claim]);
    if (list === null) return { ok: false, claim };
    policy[field] = list;
  }
  if (mapping.readOnly !== undefined) {
    const value = claims[mapping.readOnly];
    if (value !== undefined && typeof value !== 'boolean') return { ok: false, claim: mapping.readOnly };
    policy.readOnly = value === true;
  }
  if (mapping.requestsPerMinute !== undefined) {
    const value = claims[mapping.requestsPerMinute];
    if (value !== undefined) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1_000_000)
        return { ok: false, claim: mapping.requestsPerMinute };
      policy.requestsPerMinute = value;
    }
  }
  return { ok: true, policy };
}

/** Whether any mapped claim can restrict a user (the scope checks must then run). */
export function claimsRestrict(mapping: ClaimMapping): boolean {
  return (
    mapping.projects !== undefined || mapping.accounts !== undefined || mapping.rootFields !== undefined || mapping.readOnly !== undefined
  );
}

/** The scopes of a token: `scope` (space-separated string) or `scp` (array of strings, or a string). */
export function scopesOf(claims: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const raw of [claims.scope, claims.scp]) {
    const items = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
    for (const item of items) if (typeof item === 'string' && item !== '') out.add(item);
  }
  return out;
}
