import type { GatewayConfig } from '../../config';
import { identityHash } from '../../auth/principal';
import { UpstreamUnavailableError } from '../../errors';
import type { RequestAuthenticator } from '../http-client';

/** How the gateway authenticates to Bandwidth, and the identity its results are cached under. */
export interface BandwidthCredentials {
  authenticator: RequestAuthenticator;
  /** Hash of username + account id: never the password, never the gateway key. */
  identity: string;
  /** The account used when a query names none (BANDWIDTH_ACCOUNT_ID). */
  defaultAccountId: string;
}

const byConfig = new WeakMap<GatewayConfig, BandwidthCredentials>();

/**
 * HTTP Basic credentials of the configured Bandwidth user. Bandwidth has no per-caller
 * credential the gateway could forward, so every caller shares this identity (and its cache).
 * Throws UPSTREAM_UNAVAILABLE (not configured) when the gateway has no Bandwidth user.
 */
export function bandwidthCredentials(config: GatewayConfig): BandwidthCredentials {
  const cached = byConfig.get(config);
  if (cached) return cached;
  const login = config.bandwidth;
  if (!login) throw new UpstreamUnavailableError('bandwidth', 'not-configured');
  const header = 'Basic ' + Buffer.from(`${login.username}:${login.password}`, 'utf8').toString('base64');
  const credentials: BandwidthCredentials = {
    authenticator: { authenticate: async () => ({ authorization: header }) },
    identity: 'bandwidth:' + identityHash(login.username, login.accountId),
    defaultAccountId: login.accountId,
  };
  byConfig.set(config, credentials);
  return credentials;
}
