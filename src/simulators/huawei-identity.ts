import { createHash, createHmac, randomBytes } from 'node:crypto';
import { canonicalRequest, SIGNING_ALGORITHM } from '../auth/aksk-signer';
import { SIMULATED } from './defaults';
import type { SimRequest, SimResponse } from './simulator';

/** Who a simulated Huawei upstream believes is calling. */
export interface SimIdentity {
  user: string;
  /** Projects the credential may act on; `*` for all. */
  projects: ReadonlySet<string> | '*';
}

interface IssuedToken extends SimIdentity {
  expiresAt: number;
}

/**
 * Tokens and AK/SK keys shared by the simulated IAM and the simulated Huawei services, so a
 * token IAM issues is accepted by Pipeline, Artifact and RTS, and a revoked token gets the
 * same 401 the real API gateway answers.
 */
export class HuaweiIdentityStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly keys = new Map<string, { sk: string } & SimIdentity>();

  constructor() {
    this.keys.set(SIMULATED.aksk.ak, { sk: SIMULATED.aksk.sk, user: SIMULATED.iam.username, projects: '*' });
  }

  issue(identity: SimIdentity, ttlMs = 24 * 3600 * 1000): { token: string; expiresAt: Date } {
    const token = 'MIIsim' + randomBytes(48).toString('base64url');
    const expiresAt = new Date(Date.now() + ttlMs);
    this.tokens.set(token, { ...identity, expiresAt: expiresAt.getTime() });
    return { token, expiresAt };
  }

  /** Registers a token a test hands to the gateway as a caller's own X-Auth-Token. */
  accept(token: string, identity: SimIdentity): void {
    this.tokens.set(token, { ...identity, expiresAt: Number.POSITIVE_INFINITY });
  }

  /** Makes every token issued so far invalid (as after expiry). */
  revokeAll(): void {
    this.tokens.clear();
  }

  revoke(token: string): void {
    this.tokens.delete(token);
  }

  /** Identity of the request, or the error answer to send. */
  authenticate(req: SimRequest): SimIdentity | SimResponse {
    const token = req.header('x-auth-token');
    if (token) {
      const issued = this.tokens.get(token);
      if (!issued || issued.expiresAt <= Date.now()) return unauthorized('The token is invalid or has expired.');
      return issued;
    }
    const authorization = req.header('authorization');
    if (authorization?.startsWith(SIGNING_ALGORITHM)) return this.verifySignature(req, authorization);
    return unauthorized('Incorrect IAM authentication information: no X-Auth-Token or signature.');
  }

  private verifySignature(req: SimRequest, authorization: string): SimIdentity | SimResponse {
    const m = /Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)/.exec(authorization);
    const key = m && this.keys.get(m[1] ?? '');
    const date = req.header('x-sdk-date');
    if (!m || !key || !date) return unauthorized('Incorrect IAM authentication information: verify aksk signature fail.');
    const signedHeaders = (m[2] ?? '').split(';');
    const headers: Record<string, string> = {};
    for (const h of signedHeaders) headers[h] = req.header(h) ?? '';
    const url = new URL(req.rawPath + (req.query.size ? '?' + req.query.toString() : ''), 'http://' + (headers.host ?? 'sim'));
    const canonical = canonicalRequest(req.method, url, headers, signedHeaders, req.body.toString('utf8'));
    const expected = createHmac('sha256', key.sk)
      .update(`${SIGNING_ALGORITHM}\n${date}\n${createHash('sha256').update(canonical).digest('hex')}`)
      .digest('hex');
    if (expected !== m[3]) return unauthorized('Incorrect IAM authentication information: verify aksk signature fail.');
    return key;
  }
}

export function isIdentity(value: SimIdentity | SimResponse): value is SimIdentity {
  return 'user' in value;
}

export function mayAccess(identity: SimIdentity, projectId: string): boolean {
  return identity.projects === '*' || identity.projects.has(projectId);
}

export function huaweiError(status: number, code: string, message: string): SimResponse {
  return { status, headers: { 'x-request-id': randomBytes(16).toString('hex') }, json: { error_code: code, error_msg: message } };
}

function unauthorized(message: string): SimResponse {
  return huaweiError(401, 'APIGW.0301', message);
}
