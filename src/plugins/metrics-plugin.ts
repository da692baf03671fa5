import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { Metrics } from '../observability/metrics';

/** Counts and times every GraphQL operation by name and outcome. */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors, response }) {
          const operation = operationName ?? 'anonymous';
          const hasErrors =
            (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.operations.inc({ operation, outcome: hasErrors ? 'error' : 'ok' });
          metrics.operationDuration.observe({ operation }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
