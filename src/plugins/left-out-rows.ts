import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';

/**
 * Joins the errors about rows left out of lists (see `reportLeftOut` in src/paging/left-out.ts),
 * collected in the operation's context, to the response's own (already formatted) errors just
 * before it is sent.
 */
export function leftOutRowsPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const extra = contextValue.leftOut;
          if (!extra?.length || response.body.kind !== 'single') return;
          contextValue.leftOut = undefined;
          const result = response.body.singleResult;
          result.errors = [...(result.errors ?? []), ...extra];
        },
      };
    },
  };
}
