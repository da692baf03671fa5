import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '../config';
import { UpstreamError } from '../errors';
import type { UpstreamAttemptObserver } from '../upstreams/http-client';

/**
 * OpenTelemetry spans for the gateway: one SERVER span per GraphQL operation (named
 * `query PipelineStatuses` by the tracing plugin once the operation is known) and one CLIENT
 * span per upstream attempt, its child. Off unless `OTEL_TRACES_EXPORTER` says otherwise, and
 * then nothing is wrapped at all.
 *
 * Each gateway owns its provider (tests run several gateways in one process); only the
 * AsyncLocalStorage context manager is process-wide, which is what lets an upstream call made
 * deep inside a DataLoader batch find its operation's span without passing it around.
 */
export interface GatewayTracing {
  readonly tracer: Tracer;
  /** Runs one GraphQL HTTP request inside its operation span. */
  inOperation<T>(attributes: { requestId: string; method: string }, run: () => Promise<T>): Promise<T>;
  /** Hook for {@link UpstreamClient}: a CLIENT span per attempt. */
  readonly observeUpstreamAttempt: UpstreamAttemptObserver;
  /** Flushes pending spans and stops the exporter. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  config: TracingConfig;
  version: string;
  /** Exporter to use instead of the configured one (tests). */
  exporter?: SpanExporter;
}

let contextManagerRegistered = false;

/** Builds the gateway's tracing, or null when tracing is off. */
export function createTracing(options: TracingOptions): GatewayTracing | null {
  const { config } = options;
  if (config.exporter === 'none' && !options.exporter) return null;

  const exporter: SpanExporter =
    options.exporter ?? (config.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter({ url: config.otlpTracesUrl }));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': options.version }),
    // Console output is for a developer watching: no batching delay.
    spanProcessors: [
      config.exporter === 'console' ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 }),
    ],
  });
  if (!contextManagerRegistered) {
    // Registers the AsyncLocalStorage context manager (process-wide, once).
    provider.register({ propagator: null });
    contextManagerRegistered = true;
  }
  const tracer = provider.getTracer('bff-gateway', options.version);

  return {
    tracer,
    inOperation(attributes, run) {
      return tracer.startActiveSpan(
        'graphql',
        { kind: SpanKind.SERVER, attributes: { 'gateway.request_id': attributes.requestId, 'http.request.method': attributes.method } },
        async (span) => {
          try {
            return await run();
          } catch (err) {
            failSpan(span, err);
            throw err;
          } finally {
            span.end();
          }
        },
      );
    },
    observeUpstreamAttempt({ upstream, method, url }) {
      const span = tracer.startSpan(`${upstream} ${method}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'gateway.upstream': upstream,
          'http.request.method': method,
          'server.address': url.hostname,
          'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          // Path only: query strings may carry phone numbers and other personal data.
          'url.path': url.pathname,
        },
      });
      return ({ status, error }) => {
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (error) failSpan(span, error);
        span.end();
      };
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

/** Marks a span failed with the error's stable code (never its body: it may echo input). */
export function failSpan(span: Span, err: unknown): void {
  const code = err instanceof UpstreamError ? err.code : err instanceof Error ? err.name : 'Error';
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** The operation span of the current request, when tracing is on. */
export function activeOperationSpan(): Span | undefined {
  return trace.getActiveSpan();
}
