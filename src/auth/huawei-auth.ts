import { GraphQLError } from 'graphql';
import type { RequestAuthenticator } from '../upstreams/http-client';
import { createAkSkAuthenticator, type AkSkCredentials } from './aksk-signer';
import type { IamTokenProvider } from './iam-token-provider';
import { identityHash, type Principal } from './principal';

/** Credentials for one call to a Huawei upstream, and the identity results are cached under. */
export interface HuaweiCredentials {
  authenticator: RequestAuthenticator;
  /** Hash of the upstream identity (caller token, or the gateway's configured account). */
  identity: string;
}

export interface HuaweiAuthOptions {
  tokenProvider?: IamTokenProvider;
  /** Identity of the configured IAM login (user, domain, project), hashed. */
  tokenIdentity?: string;
  aksk?: AkSkCredentials;
}

/**
 * Chooses how a request authenticates to Pipeline, Artifact and RTS: the caller's own
 * X-Auth-Token when it sent one, else AK/SK signing when configured, else the gateway's IAM token
 * (refreshed once on a 401).
 */
export class HuaweiAuth {
  private readonly akskAuthenticator: RequestAuthenticator | undefined;
  private readonly akskIdentity: string | undefined;

  constructor(private readonly options: HuaweiAuthOptions) {
    if (options.aksk) {
      this.akskAuthenticator = createAkSkAuthenticator(options.aksk);
      this.akskIdentity = 'aksk:' + identityHash(options.aksk.ak);
    }
  }

  /** The upstream identity depends only on the caller's own token (or its absence), never on who the caller is. */
  for(principal: Pick<Principal, 'callerToken'>): HuaweiCredentials {
    if (principal.callerToken) {
      const token = principal.callerToken;
      return {
        authenticator: { authenticate: async () => ({ 'X-Auth-Token': token }) },
        identity: 'caller:' + identityHash(token),
      };
    }
    if (this.akskAuthenticator && this.akskIdentity) {
      return { authenticator: this.akskAuthenticator, identity: this.akskIdentity };
    }
    const provider = this.options.tokenProvider;
    if (provider && this.options.tokenIdentity) {
      let used: string | undefined;
      return {
        identity: 'iam:' + this.options.tokenIdentity,
        authenticator: {
          async authenticate() {
            used = await provider.getToken();
            return { 'X-Auth-Token': used };
          },
          async onUnauthorized() {
            if (used) await provider.invalidate(used);
            return true;
          },
        },
      };
    }
    throw new GraphQLError('No Huawei credentials: send X-Auth-Token or configure the gateway with IAM or AK/SK credentials', {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  }
}
