import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics, one registry per gateway instance so tests can run several
 * gateways in one process.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const batchSize = new Histogram({
    name: 'gateway_dataloader_batch_size',
    help: 'Keys per DataLoader batch',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [registry],
  });
  const batchSizeOf = childrenOf((loader) => batchSize.labels(loader));
  return {
    registry,
    httpRequests: new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests served, by route and status code',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    operations: new Counter({
      name: 'gateway_graphql_operations_total',
      help: 'GraphQL operations executed, by operation name and outcome',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    executions: new Counter({
      name: 'gateway_graphql_executions_total',
      help: 'Operations executed, by engine: jit (compiled, a document seen before) or graphql-js (interpreted)',
      labelNames: ['engine'] as const,
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'gateway_graphql_operation_duration_seconds',
      help: 'GraphQL operation latency',
      labelNames: ['operation'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    upstreamCalls: new Counter({
      name: 'gateway_upstream_calls_total',
      help: 'Calls to upstreams, by upstream and HTTP status (or error code)',
      labelNames: ['upstream', 'status'] as const,
      registers: [registry],
    }),
    upstreamRetries: new Counter({
      name: 'gateway_upstream_retries_total',
      help: 'Retries of failed upstream reads: retried, or refused because the retry budget was spent',
      labelNames: ['upstream', 'outcome'] as const,
      registers: [registry],
    }),
    operationsRefused: new Counter({
      name: 'gateway_operations_refused_total',
      help: 'Operations refused before execution, by reason (limit, scope, rate)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'gateway_upstream_call_duration_seconds',
      help: 'Upstream call latency (one attempt)',
      labelNames: ['upstream'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: 'gateway_cache_lookups_total',
      help: 'Cache lookups, by layer (request, shared) and result (hit, miss, error)',
      labelNames: ['layer', 'result'] as const,
      registers: [registry],
    }),
    batchSize,
    /** Records one DataLoader batch of `keys` keys (every warm request runs a dozen). */
    observeBatch(loader: string, keys: number): void {
      batchSizeOf(loader).observe(keys);
    },
    breakerState: new Gauge({
      name: 'gateway_upstream_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'] as const,
      registers: [registry],
    }),
    liveSubscriptions: new Gauge({
      name: 'gateway_live_subscriptions',
      help: 'Live subscriptions open in this process, by kind (pipeline, job, deployment)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    liveConnections: new Gauge({
      name: 'gateway_live_connections',
      help: 'Open live connections, by transport (websocket, sse)',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    livePolls: new Counter({
      name: 'gateway_live_polls_total',
      help: 'Polls of a live topic by this process (each one fetch of all its ids), by kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    liveLeases: new Gauge({
      name: 'gateway_live_leases',
      help: 'Live topics this process polls for every replica (holds the lease of), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    liveEvents: new Counter({
      name: 'gateway_live_events_total',
      help: 'Subscription events sent (a change of what a subscriber selected), by transport',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    liveDropped: new Counter({
      name: 'gateway_live_dropped_total',
      help: 'Subscriptions dropped because the client did not keep up, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    tokenFetches: new Counter({
      name: 'gateway_iam_token_fetches_total',
      help: 'IAM token logins performed by this process',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A metric's child per label value, looked up once: given a label object, prom-client sorts and
 * hashes it on every call, which hot paths (cache hits, loader batches) make many times a request.
 */
export function childrenOf<T>(make: (value: string) => T): (value: string) => T {
  const children = new Map<string, T>();
  return (value) => {
    let child = children.get(value);
    if (child === undefined) {
      child = make(value);
      children.set(value, child);
    }
    return child;
  };
}
