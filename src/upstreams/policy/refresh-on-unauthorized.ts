import { UpstreamHttpError } from '../../errors';
import type { RequestAuthenticator } from '../http-client';
import type { RecoveryStep } from './call';

/**
 * A 401 asks the authenticator once whether fresh credentials exist (IAM: a new token); when they
 * do, the call goes again with them. A second 401 is the answer.
 */
export function refreshOnUnauthorized(auth: RequestAuthenticator | undefined): RecoveryStep {
  return async (error, call) => {
    if (!(error instanceof UpstreamHttpError) || error.statusCode !== 401 || !auth?.onUnauthorized || call.refreshedAuth) return false;
    call.refreshedAuth = true;
    return auth.onUnauthorized();
  };
}
