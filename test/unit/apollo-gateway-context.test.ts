import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { ExecutionResult } from 'graphql';
import { CompiledExecution } from '../../src/execution/compiled-execution';

/**
 * patches/@apollo+server+5.5.1.patch: in gateway mode (how the gateway runs graphql-jit) Apollo
 * built the request context's `response.http` as an object literal with its own get/set pair,
 * which V8 backs with an old-generation AccessorPair per request that kept the whole request
 * alive until the next full collection (docs/scaling.md, "What each request leaves behind").
 */
type GatewayRequestContext = Parameters<CompiledExecution['execute']>[0] & {
  response: { http: { status?: number; headers: { set(k: string, v: string): void } } };
};

class RecordingExecution extends CompiledExecution {
  readonly seen: GatewayRequestContext[] = [];

  override async execute(requestContext: GatewayRequestContext): Promise<ExecutionResult> {
    this.seen.push(requestContext);
    const { http } = requestContext.response;
    http.status = 299;
    http.headers.set('x-from-executor', 'yes');
    return super.execute(requestContext);
  }
}

describe("Apollo's gateway request context (patched)", () => {
  it('keeps status as an accessor of a shared prototype, and it still writes the response', async () => {
    const schema = makeExecutableSchema({ typeDefs: 'type Query { hello: String }', resolvers: { Query: { hello: () => 'world' } } });
    const execution = new RecordingExecution(schema);
    const apollo = new ApolloServer({ gateway: execution.asApolloGateway() });
    await apollo.start();
    try {
      const answers = [await apollo.executeOperation({ query: '{ hello }' }), await apollo.executeOperation({ query: '{ hello }' })];
      for (const answer of answers) {
        expect(answer.body).toEqual({ kind: 'single', singleResult: { data: { hello: 'world' } } });
        expect(answer.http.status).toBe(299);
        expect(answer.http.headers.get('x-from-executor')).toBe('yes');
      }
      const [first, second] = execution.seen.map((rc) => rc.response.http);
      expect(Object.getOwnPropertyDescriptor(first, 'status')).toBeUndefined();
      expect(Object.getPrototypeOf(first)).toBe(Object.getPrototypeOf(second));
      expect(typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(first), 'status')?.get).toBe('function');
    } finally {
      await apollo.stop();
    }
  });
});
