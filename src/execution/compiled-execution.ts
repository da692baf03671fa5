import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';

/** Apollo Server's executor hook: the `gateway` option, which may serve a local schema. */
type ApolloGateway = ApolloServerOptionsWithGateway<object>['gateway'];
type ApolloExecutor = NonNullable<Awaited<ReturnType<ApolloGateway['load']>>['executor']>;
type ExecutionRequest = Pick<Parameters<ApolloExecutor>[0], 'document' | 'request' | 'context'>;

/** How operations are executed: `jit` compiles a document seen again; `graphql-js` interprets every time. */
export type ExecutionEngine = 'jit' | 'graphql-js';

export interface CompiledExecutionOptions {
  /**
   * A document is compiled on its `compileAfter`-th execution (default 2): a one-off query never
   * pays the compile (~1 ms and more for big documents), a repeated one pays it once.
   */
  compileAfter?: number;
  /** Called once per document that cannot be compiled (it keeps running on graphql-js). */
  onCompileFailure?: (error: unknown) => void;
  /** Called once per execution with the engine that ran it. */
  onExecuted?: (engine: ExecutionEngine) => void;
}

interface DocumentEntry {
  executions: number;
  /** Per operation name (`''` for the only one): the compiled query, or null when it could not be compiled. */
  compiled: Map<string, CompiledQuery | null>;
}

/**
 * Executes operations with graphql-jit where it stays correct, graphql-js everywhere else, behind
 * Apollo Server's executor hook. Apollo still parses, validates, runs every plugin hook and
 * formats errors; only execution changes.
 *
 * - Documents are the ones in Apollo's document store, so the same query text is the same object
 *   and the compiled query is kept beside it (a WeakMap: what the store forgets is forgotten).
 *   With no document store every request parses anew and graphql-js runs every time.
 * - graphql-jit's field errors are its own objects (no `nodes`, no extensions of their own);
 *   each is turned back into the `GraphQLError` graphql-js's `locatedError` would have built from
 *   the same thrown error, so `formatError` and the error contract see no difference.
 * - A result with no `data` is a request error (variables that do not coerce): no resolver ran,
 *   so the operation is run again on graphql-js for its exact messages.
 */
export class CompiledExecution {
  private readonly documents = new WeakMap<DocumentNode, DocumentEntry>();
  private readonly compileAfter: number;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly options: CompiledExecutionOptions = {},
  ) {
    this.compileAfter = Math.max(1, options.compileAfter ?? 2);
  }

  /** An Apollo `gateway` serving this schema through {@link execute}. */
  asApolloGateway(): ApolloGateway {
    const executor: ApolloExecutor = (requestContext) => this.execute(requestContext);
    return {
      load: async () => ({ schema: this.schema, executor }),
      onSchemaLoadOrUpdate: (callback) => {
        callback({ apiSchema: this.schema, coreSupergraphSdl: '' });
        return () => undefined;
      },
      stop: async () => undefined,
    };
  }

  async execute(requestContext: ExecutionRequest): Promise<ExecutionResult> {
    const { document, request, context } = requestContext;
    const operationName = request.operationName ?? undefined;
    const compiled = this.compiledFor(document, operationName);
    const runInterpreted = () => {
      this.options.onExecuted?.('graphql-js');
      return execute({ schema: this.schema, document, contextValue: context, variableValues: request.variables, operationName });
    };
    if (!compiled) return runInterpreted();
    const result = await compiled.query(undefined, context, request.variables);
    if (result.data === undefined) return runInterpreted();
    this.options.onExecuted?.('jit');
    if (result.errors) return { ...result, errors: result.errors.map(asLocatedError) };
    return result;
  }

  private compiledFor(document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
    let entry = this.documents.get(document);
    if (!entry) {
      entry = { executions: 0, compiled: new Map() };
      this.documents.set(document, entry);
    }
    const key = operationName ?? '';
    const known = entry.compiled.get(key);
    if (known !== undefined) return known;
    if (++entry.executions < this.compileAfter) return null;
    let compiled: CompiledQuery | null = null;
    try {
      const outcome = compileQuery(this.schema, document, operationName, { disablingCapturingStackErrors: true });
      if (isCompiledQuery(outcome)) compiled = outcome;
      else this.options.onCompileFailure?.(outcome.errors?.[0]);
    } catch (error) {
      this.options.onCompileFailure?.(error);
    }
    entry.compiled.set(key, compiled);
    return compiled;
  }
}

/**
 * The error graphql-js's `locatedError(thrown, fieldNodes, path)` builds, from graphql-jit's:
 * a thrown `GraphQLError` that already has a path is kept as it is; anything else is wrapped with
 * the field's path and locations, its extensions taken from what was thrown.
 */
function asLocatedError(error: GraphQLError): GraphQLError {
  if (Object.getPrototypeOf(error) === GraphQLError.prototype) return error;
  const thrown = error.originalError ?? undefined;
  if (thrown instanceof GraphQLError && Object.getPrototypeOf(thrown) === GraphQLError.prototype && thrown.path) return thrown;
  const located = new GraphQLError(error.message, { path: error.path, originalError: thrown });
  // graphql-js derives locations from the field nodes; graphql-jit computed the same ones at compile time.
  (located as { locations: GraphQLError['locations'] }).locations = error.locations;
  return located;
}
