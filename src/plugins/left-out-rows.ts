import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';

/**
 * Errors about rows a resolver left out of a list it still answers. A row of a non-null list
 * (`nodes: [Repository!]!`) that cannot be mapped cannot be nulled without nulling the whole
 * list, so the resolver drops it and reports it here; the errors join the response's own
 * (already formatted) errors just before it is sent.
 */
const pending = new WeakMap<object, GraphQLFormattedError[]>();

/** Adds an error, already in its public shape (message, path, extensions), to this operation's answer. */
export function reportLeftOutRow(context: object, error: GraphQLFormattedError): void {
  const list = pending.get(context) ?? [];
  list.push(error);
  pending.set(context, list);
}

export function leftOutRowsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const extra = pending.get(contextValue);
          if (!extra?.length || response.body.kind !== 'single') return;
          pending.delete(contextValue);
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...extra];
        },
      };
    },
  };
}
