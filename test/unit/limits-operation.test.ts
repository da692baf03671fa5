import { parse, getOperationAST, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadTypeDefs } from '../../src/gateway';
import { enforceOperationLimits, measureOperation, OperationLimitError } from '../../src/plugins/operation-limits';
import type { OperationLimits } from '../../src/config';

const LIMITS: OperationLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxTokens: 4000,
  maxQueryBytes: 32768,
  maxCost: 10000,
  defaultListSize: 20,
};

let schema: GraphQLSchema;
beforeAll(() => {
  schema = makeExecutableSchema({ typeDefs: loadTypeDefs() });
});

function measure(query: string, variables?: Record<string, unknown>) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return measureOperation(schema, document, operation, variables, LIMITS.defaultListSize);
}

function refusal(query: string, variables?: Record<string, unknown>): OperationLimitError | undefined {
  try {
    enforceOperationLimits(measure(query, variables), LIMITS);
    return undefined;
  } catch (err) {
    if (err instanceof OperationLimitError) return err;
    throw err;
  }
}

describe('operation limits: measuring an operation before it runs', () => {
  it('counts depth from the root field (1) to the deepest leaf, through fragments', () => {
    const m = measure(`query { pipeline(id: "x") { ...P } } fragment P on Pipeline { latestRun { stages { name } } }`);
    expect(m.depth).toBe(4);
  });

  it('counts aliases and root fields, a fragment spread twice counting twice', () => {
    const m = measure(
      `query { a: gatewayInfo { version } b: gatewayInfo { version } ...R ...R } fragment R on Query { c: gatewayInfo { simulated } }`,
    );
    expect(m.rootFields).toBe(4);
    expect(m.aliases).toBe(4);
  });

  it('counts list arguments: pipelines(ids:) costs one per id, inline or from variables', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `id${i}`);
    const inline = measure(`{ pipelines(ids: [${ids.map((i) => `"${i}"`).join(',')}]) { id latestRun { status } } }`);
    const viaVariables = measure(`query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`, { ids });
    // 250 pipelines + 250 latest runs.
    expect(inline.cost).toBe(500);
    expect(viaVariables.cost).toBe(500);
  });

  it('a connection multiplies what is under its edges/nodes by `first` (default list size when absent)', () => {
    expect(measure(`{ jobs(first: 50) { nodes { id } pageInfo { hasNextPage } } }`).cost).toBe(1 + 1 + 1);
    expect(measure(`{ recordings(first: 50) { nodes { transcript { text } } } }`).cost).toBe(1 + 1 + 50);
    expect(measure(`{ recordings { edges { node { transcript { text } } } } }`).cost).toBe(1 + 1 + 20 + 20);
  });

  it('ignores scalar leaves and __typename in the cost', () => {
    expect(measure(`{ gatewayInfo { version simulated __typename } }`).cost).toBe(1);
  });

  it('lets the standard introspection query through but refuses cyclic introspection', () => {
    const standard = `{ __schema { types { name fields { name args { name type { kind ofType { kind ofType { kind ofType { kind } } } } } } } } }`;
    expect(refusal(standard)).toBeUndefined();
    const cyclic = `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`;
    expect(refusal(cyclic)).toMatchObject({ limit: 'introspectionDepth' });
  });
});

describe('operation limits: refusals name the limit, its maximum and the value', () => {
  it('depth', () => {
    const deep = `{ pipeline(id: "x") { latestRun { stages { name } } } }`;
    expect(refusal(deep)).toBeUndefined();
    const limits = { ...LIMITS, maxDepth: 3 };
    let error: unknown;
    try {
      enforceOperationLimits(measure(deep), limits);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OperationLimitError);
    expect((error as OperationLimitError).extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'depth',
      max: 3,
      actual: 4,
    });
    expect((error as OperationLimitError).message).toBe('Operation refused: its depth is 4, more than the gateway allows (3)');
  });

  it('aliases', () => {
    const many = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: gatewayInfo { version }`).join(' ')} }`;
    expect(refusal(many)).toMatchObject({ limit: 'aliases', max: 30, actual: 31 });
  });

  it('root fields', () => {
    const many = `{ ${Array.from({ length: 21 }, () => `gatewayInfo { version }`).join(' ')} }`;
    expect(refusal(many)).toMatchObject({ limit: 'rootFields', max: 20, actual: 21 });
  });

  it('cost: ten thousand pipeline ids through a variable', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `id${i}`);
    expect(refusal(`query($ids: [ID!]!) { pipelines(ids: $ids) { latestRun { status } } }`, { ids })).toMatchObject({
      limit: 'cost',
      max: 10000,
      actual: 20000,
    });
  });

  it('a fragment bomb is stopped while it is being expanded', () => {
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const bomb = `query { ...F0 }\n${fragments}\nfragment F20 on Query { gatewayInfo { version } }`;
    const started = Date.now();
    expect(refusal(bomb)).toMatchObject({ limit: 'selections' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
