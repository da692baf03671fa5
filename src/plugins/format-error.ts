import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { UpstreamError, toGraphQLError } from '../errors';
import type { Logger } from '../observability/logger';

const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  'OPERATION_LIMIT_EXCEEDED',
  'QUERY_NOT_IN_SAFELIST',
]);

const TOO_DEEP = 'Syntax Error: the document is nested too deeply for the gateway to read';

/** The engine's stack limit (a RangeError), thrown here or carried as the cause. */
function isStackOverflow(error: unknown): boolean {
  for (let e: unknown = error, hops = 0; e instanceof Error && hops < 4; e = (e as { originalError?: unknown }).originalError, hops++) {
    if (/Maximum call stack size exceeded/.test(e.message)) return true;
  }
  return false;
}

const APOLLO_APQ_REQUEST_ERRORS = new Set(['provided sha does not match query', 'Unsupported persisted query version']);

/**
 * Error masking (Apollo `formatError`): upstream errors get the contract's extensions, argument
 * errors raised while parsing literals become BAD_USER_INPUT, and anything unexpected is logged
 * in full and answered as a masked INTERNAL_SERVER_ERROR. Stack traces only outside production.
 */
export function createFormatError(options: {
  logger: Logger;
  production: boolean;
  /**
   * Drop "Did you mean …?" from messages (introspection off: the schema is not public). Apollo's
   * `hideSchemaDetailsFromClientErrors` does it for validation only; variables' messages
   * (enum values, input fields) suggest names too.
   */
  hideSchemaHints?: boolean;
}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof UpstreamError) {
      const mapped = toGraphQLError(original);
      return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: mapped.extensions };
    }
    const extensions = { ...formatted.extensions };
    if (extensions.argumentError) {
      delete extensions.argumentError;
      extensions.code = 'BAD_USER_INPUT';
    }
    // Apollo's persisted-query request errors come without a code: they are the client's.
    if (extensions.code === 'INTERNAL_SERVER_ERROR' && APOLLO_APQ_REQUEST_ERRORS.has(formatted.message)) extensions.code = 'BAD_REQUEST';
    const code = typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR';
    // A document nested deeper than the parser's stack (graphql-js parses recursively) fails
    // with the engine's own message: the client gets a plain statement, never the internal text.
    if (isStackOverflow(error) || isStackOverflow(original)) {
      if (code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED') {
        return { message: TOO_DEEP, extensions: { code: 'GRAPHQL_PARSE_FAILED' } };
      }
      options.logger.error({ err: original, path: formatted.path }, 'stack overflow (masked in the response)');
      return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
    if (!PUBLIC_CODES.has(code) || (code === 'INTERNAL_SERVER_ERROR' && !(original instanceof GraphQLError))) {
      options.logger.error({ err: original, path: formatted.path }, 'unexpected error (masked in the response)');
      return {
        message: 'Internal server error',
        locations: formatted.locations,
        path: formatted.path,
        extensions: options.production ? { code: 'INTERNAL_SERVER_ERROR' } : { code: 'INTERNAL_SERVER_ERROR', ...pickStack(extensions) },
      };
    }
    if (options.production) delete extensions.stacktrace;
    const message = options.hideSchemaHints ? withoutSuggestions(formatted.message) : formatted.message;
    return { ...formatted, message, extensions };
  };
}

function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean [^?]*\?/g, '');
}

function pickStack(extensions: Record<string, unknown>): Record<string, unknown> {
  return extensions.stacktrace ? { stacktrace: extensions.stacktrace } : {};
}
