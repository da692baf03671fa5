import { identityHash } from '../../auth/principal';
import type { RequestAuthenticator } from '../http-client';

/** The gateway's Comestri account (COMESTRI_API_TOKEN, COMESTRI_EMAIL). */
export interface ComestriAccount {
  token: string;
  email: string;
}

/** How a call authenticates to Comestri, and the identity its results are cached under. */
export interface ComestriCredentials {
  authenticator: RequestAuthenticator;
  /** Hash of the account (never the token itself). */
  identity: string;
}

/**
 * Comestri takes one static API token per account, sent as
 * `Authorization: Token token=<token>,email=<email>` (contract). There is nothing to refresh, so
 * a 401 is final and no `onUnauthorized` is offered.
 */
export function comestriCredentials(account: ComestriAccount): ComestriCredentials {
  // The account is the configuration's, the same object for every request: hash it once.
  let credentials = known.get(account);
  if (!credentials) {
    const authorization = `Token token=${account.token},email=${account.email}`;
    credentials = {
      authenticator: { authenticate: async () => ({ authorization }) },
      identity: 'comestri:' + identityHash(account.token, account.email),
    };
    known.set(account, credentials);
  }
  return credentials;
}

const known = new WeakMap<ComestriAccount, ComestriCredentials>();
