import type { ApolloServerPlugin } from '@apollo/server';
import { SpanStatusCode } from '@opentelemetry/api';
import type { GatewayContext } from '../context';
import { activeOperationSpan } from '../observability/tracing';

/**
 * Names the operation span (opened by the HTTP server around the request, see
 * `observability/tracing.ts`) after the operation once Apollo has resolved it —
 * `query PipelineStatuses` — and marks it failed with the error codes of the answer. The
 * document text is not recorded: literals in it may be personal data.
 */
export function tracingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const span = activeOperationSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName, queryHash }) {
          const type = operation?.operation ?? 'query';
          span.updateName(`${type} ${operationName ?? 'anonymous'}`);
          span.setAttribute('graphql.operation.type', type);
          span.setAttribute('graphql.operation.name', operationName ?? 'anonymous');
          span.setAttribute('graphql.document.hash', queryHash);
        },
        async willSendResponse({ response }) {
          // The formatted errors: their codes are the contract's, as the client sees them.
          const all = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          if (!all.length) return;
          const codes = [
            ...new Set(all.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR'))),
          ];
          span.setAttribute('graphql.error.codes', codes);
          span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
        },
      };
    },
  };
}
