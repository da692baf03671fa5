import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { OperationLimits } from '../config';
import type { GatewayContext } from '../context';
import type { Metrics } from '../observability/metrics';

/** What {@link measureOperation} found; `cost` is an estimate, see {@link OperationLimits.maxCost}. */
export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
  /** Nested list fields inside `__schema`/`__type` (the cyclic-introspection attack needs many). */
  introspectionListDepth: number;
}

export type OperationLimitName = 'depth' | 'aliases' | 'rootFields' | 'cost' | 'queryBytes' | 'introspectionDepth' | 'selections';

/** Refused before execution: HTTP 400, `extensions.code` OPERATION_LIMIT_EXCEEDED. */
export class OperationLimitError extends GraphQLError {
  constructor(
    readonly limit: OperationLimitName,
    readonly max: number,
    readonly actual: number,
  ) {
    super(`Operation refused: its ${LIMIT_WORDS[limit]} is ${actual}, more than the gateway allows (${max})`, {
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit, max, actual, http: { status: 400 } },
    });
  }
}

const LIMIT_WORDS: Record<OperationLimitName, string> = {
  depth: 'depth',
  aliases: 'number of aliases',
  rootFields: 'number of root fields',
  cost: 'estimated cost',
  queryBytes: 'query size in bytes',
  introspectionDepth: 'depth of nested lists in introspection',
  selections: 'number of selections once fragments are expanded',
};

/** Nested lists introspection may have: the standard IDE query needs 3 (types → fields → args). */
const MAX_INTROSPECTION_LIST_DEPTH = 3;
/** Selections visited with fragments expanded; stops "fragment bombs" before they cost CPU. */
const MAX_VISITS = 50_000;

/**
 * Measures an operation without running it. Fragments are expanded where they are spread (so a
 * fragment used twice counts twice), `@skip`/`@include` are ignored (the worst case counts).
 *
 * Cost: every field returning an object costs 1 for each time it will be resolved: the product
 * of the list sizes above it. A list's size is its `first` argument, else the length of its
 * longest list argument (`ids: [...]` — one upstream key each), else `defaultListSize`; the
 * `edges`/`nodes` of a connection take the connection's `first`. A list argument also
 * multiplies the cost of the field that takes it (`pipelines(ids:)` fans out per id).
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  defaultListSize: number,
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  const measure: OperationMeasure = { depth: 0, aliases: 0, rootFields: 0, cost: 0, introspectionListDepth: 0 };
  if (!root) return measure;
  // Sized first in linear time (each fragment once), so a "fragment bomb" is refused unexpanded.
  const expanded = expandedSelections(operation.selectionSet, fragments);
  if (expanded > MAX_VISITS) throw new OperationLimitError('selections', MAX_VISITS, expanded);
  let visits = 0;

  const sizeArguments = (field: GraphQLField<unknown, unknown>, node: FieldNode) => {
    let first: number | undefined;
    let longestList = 0;
    for (const arg of node.arguments ?? []) {
      const def = field.args.find((a) => a.name === arg.name.value);
      if (!def) continue;
      const value: unknown = valueFromAST(arg.value, def.type, variables);
      if ((def.name === 'first' || def.name === 'last' || def.name === 'limit') && typeof value === 'number') first = Math.max(0, value);
      if (Array.isArray(value)) longestList = Math.max(longestList, value.length);
    }
    return { first, longestList };
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parentType: GraphQLCompositeType,
    depth: number,
    multiplier: number,
    connectionSize: number | undefined,
    introspection: { lists: number } | null,
    isRoot: boolean,
  ): void => {
    for (const selection of selectionSet.selections) {
      visits += 1;
      if (visits > MAX_VISITS) throw new OperationLimitError('selections', MAX_VISITS, visits);
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && isCompositeType(type))
          walk(fragment.selectionSet, type, depth, multiplier, connectionSize, introspection, isRoot);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type && isCompositeType(type)) walk(selection.selectionSet, type, depth, multiplier, connectionSize, introspection, isRoot);
        continue;
      }
      const name = selection.name.value;
      if (isRoot) measure.rootFields += 1;
      if (selection.alias) measure.aliases += 1;
      const field = isObjectType(parentType) || isInterfaceType(parentType) ? fieldOf(schema, parentType, name) : undefined;
      if (name === '__typename' || !field) continue;

      const fieldDepth = depth + 1;
      const returnsList = isListType(getNullableType(field.type));
      const named = getNamedType(field.type);
      if (introspection || name === '__schema' || name === '__type') {
        // Introspection resolves in memory: only its list nesting is bounded, not depth or cost.
        const lists = (introspection?.lists ?? 0) + (returnsList ? 1 : 0);
        measure.introspectionListDepth = Math.max(measure.introspectionListDepth, lists);
        if (selection.selectionSet && isCompositeType(named))
          walk(selection.selectionSet, named, fieldDepth, multiplier, undefined, { lists }, false);
        continue;
      }
      measure.depth = Math.max(measure.depth, fieldDepth);
      const { first, longestList } = sizeArguments(field, selection);
      const fanOut = Math.max(1, longestList);
      if (isCompositeType(named)) measure.cost += multiplier * fanOut;
      if (!selection.selectionSet || !isCompositeType(named)) continue;
      let childMultiplier = multiplier * fanOut;
      if (returnsList) {
        const size = first ?? (longestList > 0 ? 1 : (connectionSize ?? defaultListSize));
        childMultiplier = longestList > 0 ? multiplier * longestList : multiplier * size;
      }
      // A connection (a field taking `first`) hands its page size to its edges/nodes lists.
      const hasPaging = field.args.some((a) => a.name === 'first' || a.name === 'last');
      const childConnectionSize = hasPaging && !returnsList ? (first ?? defaultListSize) : undefined;
      walk(selection.selectionSet, named, fieldDepth, childMultiplier, childConnectionSize, null, false);
    }
  };

  walk(operation.selectionSet, root, 0, 1, undefined, null, true);
  return measure;
}

/** Selections the operation has once every fragment spread is replaced by its fragment. */
function expandedSelections(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  const sizes = new Map<string, number>();
  const sizeOf = (set: SelectionSetNode, path: ReadonlySet<string>): number => {
    let n = 0;
    for (const selection of set.selections) {
      n += 1;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle is a validation error already; it adds nothing here.
        if (!fragment || path.has(name)) continue;
        let size = sizes.get(name);
        if (size === undefined) {
          size = sizeOf(fragment.selectionSet, new Set([...path, name]));
          sizes.set(name, size);
        }
        n += size;
      } else if (selection.selectionSet) {
        n += sizeOf(selection.selectionSet, path);
      }
      // Saturate: the exact size of a bomb does not matter, only that it is too big.
      if (n > Number.MAX_SAFE_INTEGER / 4) return n;
    }
    return n;
  };
  return sizeOf(selectionSet, new Set());
}

function fieldOf(schema: GraphQLSchema, type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__schema' || name === '__type') {
    const queryType = schema.getQueryType();
    if (type !== queryType) return undefined;
    // Introspection meta-fields are not in getFields(); a stand-in with their return types does.
    const meta = name === '__schema' ? schema.getType('__Schema') : schema.getType('__Type');
    return meta ? ({ name, type: meta, args: [] } as unknown as GraphQLField<unknown, unknown>) : undefined;
  }
  if (!isObjectType(type) && !isInterfaceType(type)) return undefined;
  return type.getFields()[name];
}

/** Checks a measured operation against the limits; throws the first one exceeded. */
export function enforceOperationLimits(measure: OperationMeasure, limits: OperationLimits): void {
  if (measure.depth > limits.maxDepth) throw new OperationLimitError('depth', limits.maxDepth, measure.depth);
  if (measure.aliases > limits.maxAliases) throw new OperationLimitError('aliases', limits.maxAliases, measure.aliases);
  if (measure.rootFields > limits.maxRootFields) throw new OperationLimitError('rootFields', limits.maxRootFields, measure.rootFields);
  if (measure.introspectionListDepth > MAX_INTROSPECTION_LIST_DEPTH) {
    throw new OperationLimitError('introspectionDepth', MAX_INTROSPECTION_LIST_DEPTH, measure.introspectionListDepth);
  }
  if (measure.cost > limits.maxCost) throw new OperationLimitError('cost', limits.maxCost, measure.cost);
}

/**
 * Refuses operations that are too big before they execute (depth, aliases, root fields, query
 * size, estimated cost). The token limit is the parser's (`parseOptions.maxTokens`), so a huge
 * document is never even fully parsed.
 */
export function operationLimitsPlugin(limits: OperationLimits, metrics?: Metrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema, source }) {
          try {
            const bytes = Buffer.byteLength(source ?? '', 'utf8');
            if (bytes > limits.maxQueryBytes) throw new OperationLimitError('queryBytes', limits.maxQueryBytes, bytes);
            if (!operation) return;
            enforceOperationLimits(measureOperation(schema, document, operation, request.variables, limits.defaultListSize), limits);
          } catch (err) {
            metrics?.operationsRefused.inc({ reason: 'limit' });
            throw err;
          }
        },
      };
    },
  };
}
