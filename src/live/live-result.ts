import { GraphQLError } from 'graphql';
import { toGraphQLError } from '../errors';

/**
 * One watched resource's state as it travels between gateway processes (Redis pub/sub) and is
 * compared for changes: its mapped value, or its error as the contract shows it (message and
 * extensions: code, upstream, status, upstreamCode). Never an upstream body or a credential.
 */
export type LiveResult = { ok: true; value: unknown } | { ok: false; error: { message: string; extensions: Record<string, unknown> } };

/** The result of a value or a failure (`Error` per id, as loaders answer). */
export function liveResultOf(value: unknown): LiveResult {
  if (value instanceof Error) {
    const error = toGraphQLError(value);
    return { ok: false, error: { message: error.message, extensions: { ...error.extensions } } };
  }
  return { ok: true, value };
}

/** The value again, or a `GraphQLError` carrying the contract's extensions. */
export function valueOfLiveResult(result: LiveResult): unknown {
  return result.ok ? result.value : new GraphQLError(result.error.message, { extensions: result.error.extensions });
}

/** Whether a result says the upstream refused the credential: the subscription then ends. */
export function isUnauthenticated(value: unknown): boolean {
  return value instanceof GraphQLError && value.extensions.code === 'UNAUTHENTICATED';
}
