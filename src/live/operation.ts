import {
  GraphQLError,
  OperationTypeNode,
  createSourceEventStream,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { GatewayServices } from '../context';
import { OperationContext } from '../context';
import type { Principal } from '../auth/principal';
import { Cancellation } from '../runtime/cancellation';
import { OperationLimitError, enforceOperationLimits, measureOperation } from '../plugins/operation-limits';
import { operationScope, scopeViolation, type ScopeDefaults } from '../plugins/key-scopes';
import type { LiveEvent } from './live-subscription';
import { sha256, type TrustedDocuments } from '../plugins/trusted-documents';

/** What a client sends to subscribe, on either transport. */
export interface LiveRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export type LiveTransport = 'websocket' | 'sse';

export interface LiveOperationDeps {
  services: GatewayServices;
  schema: GraphQLSchema;
  scopeDefaults: ScopeDefaults;
  /** The safelist (TRUSTED_DOCUMENTS), when configured: only listed documents subscribe. */
  trustedDocuments?: TrustedDocuments;
  /** The gateway's error masking (the same as queries'). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

export interface PreparedLiveOperation {
  args: ExecutionArgs & { contextValue: OperationContext };
  /** Aborted when the subscription ends (its upstream calls, if any, stop). */
  cancellation: Cancellation;
}

function requestError(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * Checks a subscription request as a query would be checked, before anything runs: the safelist
 * (trusted documents, by the SHA-256 of the text), size, tokens
 * (the parser stops past OPERATION_MAX_TOKENS), validation, the operation limits and the caller's
 * key scopes (src/plugins: the same functions the HTTP path's plugins call). Only subscriptions
 * are served on the live transports; queries and mutations go to POST /graphql.
 */
export function prepareLiveOperation(
  deps: LiveOperationDeps,
  principal: Principal,
  request: LiveRequest,
): PreparedLiveOperation | { errors: GraphQLError[] } {
  const { services, schema } = deps;
  const limits = services.config.operationLimits;
  if (typeof request.query !== 'string' || request.query.trim() === '') {
    return { errors: [requestError('A subscription request needs a query (a GraphQL document)', 'BAD_REQUEST')] };
  }
  const variables = request.variables ?? undefined;
  if (variables !== undefined && (typeof variables !== 'object' || variables === null || Array.isArray(variables))) {
    return { errors: [requestError('variables must be a JSON object', 'BAD_REQUEST')] };
  }
  if (request.operationName != null && typeof request.operationName !== 'string') {
    return { errors: [requestError('operationName must be a string', 'BAD_REQUEST')] };
  }
  if (deps.trustedDocuments && !deps.trustedDocuments.has(sha256(request.query))) {
    return { errors: [requestError('This operation is not in the gateway’s list of trusted documents', 'QUERY_NOT_IN_SAFELIST')] };
  }
  const bytes = Buffer.byteLength(request.query, 'utf8');
  try {
    if (bytes > limits.maxQueryBytes) throw new OperationLimitError('queryBytes', limits.maxQueryBytes, bytes);
  } catch (err) {
    services.metrics.operationsRefused.inc({ reason: 'limit' });
    return { errors: [err as GraphQLError] };
  }
  let document: DocumentNode;
  try {
    document = parse(request.query, { maxTokens: limits.maxTokens });
  } catch (err) {
    return { errors: [requestError((err as Error).message, 'GRAPHQL_PARSE_FAILED')] };
  }
  const invalid = validate(schema, document);
  if (invalid.length) {
    return {
      errors: invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })),
    };
  }
  const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) return { errors: [requestError('The document has no such operation (operationName)', 'BAD_REQUEST')] };
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return {
      errors: [
        requestError(
          `Only subscriptions are served here: send ${operation.operation === OperationTypeNode.QUERY ? 'queries' : 'mutations'} to POST /graphql`,
          'BAD_REQUEST',
        ),
      ],
    };
  }
  const variableValues = variables as Record<string, unknown> | undefined;
  try {
    enforceOperationLimits(measureOperation(schema, document, operation, variableValues, limits.defaultListSize), limits);
  } catch (err) {
    services.metrics.operationsRefused.inc({ reason: 'limit' });
    return { errors: [err instanceof GraphQLError ? err : requestError('Operation refused', 'OPERATION_LIMIT_EXCEEDED')] };
  }
  // A signed-in user's claims (AUTH_JWT_CLAIMS) may restrict them even when no key policy restricts anything.
  const { policy, caller } = principal;
  if (services.config.keyPolicies.restrictive || (caller.kind === 'user' && (policy.rootFields || policy.projects || policy.accounts))) {
    const reason = scopeViolation(
      policy,
      operation.operation,
      operationScope(schema, document, operation, variableValues, deps.scopeDefaults),
      caller.kind === 'user' ? 'This user' : 'This gateway key',
    );
    if (reason) {
      services.metrics.operationsRefused.inc({ reason: 'scope' });
      return { errors: [requestError(reason, 'FORBIDDEN')] };
    }
  }
  const cancellation = new Cancellation();
  return {
    cancellation,
    args: {
      schema,
      document,
      operationName,
      variableValues,
      contextValue: new OperationContext(principal, services, cancellation),
    },
  };
}

export interface LiveExecutionOptions {
  transport: LiveTransport;
  deps: LiveOperationDeps;
  cancellation: Cancellation;
  /**
   * Checks that the subscriber's credential still holds (a signed-in user's token can expire);
   * asked at most once per poll interval, before an event is sent. False: UNAUTHENTICATED, then complete.
   */
  stillAuthenticated?: () => Promise<boolean>;
}

/**
 * Runs a prepared subscription: graphql-js subscribes (the field's `subscribe` resolver opens the
 * hub's stream), then runs the subscriber's selection on each event and sends the result only if
 * it differs from the last one sent for that resource (serialised), so a subscriber hears of
 * changes to what it selected and of nothing else. Errors are masked as for queries.
 */
export async function executeLive(
  args: ExecutionArgs,
  options: LiveExecutionOptions,
): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const format = (result: ExecutionResult, requestLevel: boolean): ExecutionResult =>
    result.errors?.length ? { ...result, errors: result.errors.map((e) => formatted(options.deps, e, requestLevel)) } : result;
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) {
    options.cancellation.abort(new Error('subscription refused'));
    return format(source, true);
  }
  const interval = options.deps.services.config.live.pollIntervalMs;
  const metric = options.deps.services.metrics.liveEvents.labels(options.transport);
  return new ChangedResults(source[Symbol.asyncIterator](), {
    run: async (event) => format(await execute({ ...args, rootValue: event }), false),
    keyOf: (event) => (event as LiveEvent).id,
    onEnd: () => options.cancellation.abort(new Error('subscription ended')),
    onSent: () => metric.inc(),
    recheck: options.stillAuthenticated && { every: interval, check: options.stillAuthenticated },
  });
}

function formatted(deps: LiveOperationDeps, error: GraphQLError, requestLevel: boolean): GraphQLError {
  // Variables that fail coercion come without a code: they are the caller's (as Apollo says).
  const base =
    requestLevel && error.extensions.code === undefined && !error.originalError
      ? new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } })
      : error;
  const shown = deps.formatError(base.toJSON(), base);
  return new GraphQLError(shown.message, { path: shown.path, extensions: shown.extensions });
}

interface ChangedResultsOptions {
  run: (event: unknown) => Promise<ExecutionResult>;
  keyOf: (event: unknown) => string;
  onEnd: () => void;
  onSent: () => void;
  recheck?: { every: number; check: () => Promise<boolean> };
}

/** The results of a subscription's events, each sent only when it changed for its resource. */
class ChangedResults implements AsyncIterableIterator<ExecutionResult> {
  private readonly last = new Map<string, string>();
  private ended = false;
  private refused = false;
  private checkedAt = Date.now();

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly options: ChangedResultsOptions,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    for (;;) {
      if (this.ended || this.refused) return this.return();
      const step = await this.source.next();
      if (step.done || this.ended) return this.return();
      if (await this.credentialRefused()) {
        this.refused = true;
        return {
          done: false,
          value: { errors: [requestError('The credential of this subscription is no longer valid', 'UNAUTHENTICATED')] },
        };
      }
      const result = await this.options.run(step.value);
      const key = this.options.keyOf(step.value);
      const text = JSON.stringify(result);
      if (this.last.get(key) === text) continue;
      this.last.set(key, text);
      this.options.onSent();
      return { done: false, value: result };
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.ended) {
      this.ended = true;
      await this.source.return?.();
      this.options.onEnd();
    }
    return { done: true, value: undefined };
  }

  async throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async credentialRefused(): Promise<boolean> {
    const recheck = this.options.recheck;
    if (!recheck || Date.now() - this.checkedAt < recheck.every) return false;
    this.checkedAt = Date.now();
    return !(await recheck.check());
  }
}
