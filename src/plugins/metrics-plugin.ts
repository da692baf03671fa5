import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { Metrics } from '../observability/metrics';

export interface MetricsPluginOptions {
  /**
   * Whether a document (by its SHA-256, the APQ id) is one the operator listed (trusted
   * documents). Only those operations are labelled by name; default: none is.
   */
  isTrustedDocument?: (queryHash: string | undefined) => boolean;
}

/**
 * Counts and times every GraphQL operation by name and outcome. Label values must form a set
 * the operator bounds, since /metrics is open and each value is a series kept for the life of
 * the process: an operation is labelled with its name only when its document is a trusted
 * document (whose names the manifest fixes), every other one is `other`.
 */
export function metricsPlugin(metrics: Metrics, options: MetricsPluginOptions = {}): ApolloServerPlugin<GatewayContext> {
  const trusted = options.isTrustedDocument ?? (() => false);
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, queryHash, errors, response }) {
          const name = operation && trusted(queryHash) ? (operation.name?.value ?? 'anonymous') : 'other';
          const hasErrors =
            (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          metrics.operations.inc({ operation: name, outcome: hasErrors ? 'error' : 'ok' });
          metrics.operationDuration.observe({ operation: name }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
