import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { GatewayConfig, UpstreamName } from './config';
import type { GatewayContext, GatewayServices, UpstreamApis } from './context';
import type { Cache } from './cache/cache';
import { MemoryCache } from './cache/memory-cache';
import { RedisCache } from './cache/redis-cache';
import { ResultCache } from './cache/result-cache';
import { GatewayKeys } from './auth/gateway-keys';
import { Authenticator } from './auth/authenticate';
import { IssuerKeys } from './auth/issuer-keys';
import { JwtVerifier } from './auth/jwt-verifier';
import { enforceRequiresScopes } from './auth/requires-scopes';
import { createUpstreamDispatcher } from './upstreams/outbound';
import { HuaweiAuth } from './auth/huawei-auth';
import { IamTokenProvider } from './auth/iam-token-provider';
import { identityHash } from './auth/principal';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { createFormatError } from './plugins/format-error';
import { createIdeAssetRoute } from './ide/assets';
import { createTracing, type GatewayTracing } from './observability/tracing';
import { createPersistedQuerySetup } from './plugins/persisted-queries';
import { tracingPlugin } from './plugins/tracing-plugin';
import { metricsPlugin } from './plugins/metrics-plugin';
import { createResolvers } from './resolvers';
import { GatewayHttpServer, type RouteHandler } from './server';
import { createTokenCipher } from './auth/token-cipher';
import { operationLimitsPlugin } from './plugins/operation-limits';
import { keyScopesPlugin, scopeDefaultsOf } from './plugins/key-scopes';
import { auditPlugin } from './observability/audit';
import { UpstreamClient } from './upstreams/http-client';
import { PipelineClient } from './upstreams/pipeline/client';
import { ComestriClient } from './upstreams/job/client';
import { RtsClient } from './upstreams/deployment/client';
import { BandwidthClient } from './upstreams/recording/client';
import { createMediaRoute } from './http/recording-media';
import { ArtifactClient } from './upstreams/artifact/client';
import { artifactErrorFormat } from './upstreams/artifact/errors';
import { bandwidthErrorFormat } from './upstreams/recording/errors';
import { comestriErrorFormat } from './upstreams/job/errors';
import type { UpstreamErrorFormat } from './upstreams/error-format';
import { HUAWEI_CONTENT_TYPE, huaweiErrorFormat } from './upstreams/huawei-error-body';
import { pipelineErrorFormat } from './upstreams/pipeline/errors';
import { rtsErrorFormat } from './upstreams/deployment/errors';
import { leftOutRowsPlugin } from './plugins/left-out-rows';
import { CompiledExecution } from './execution/compiled-execution';
import { LiveHub } from './live/live-hub';
import { RedisLiveCoordination } from './live/coordination';
import { attachLiveWebSocket } from './live/websocket';
import { createLiveStreamRoute } from './live/sse';
import type { LiveOperationDeps } from './live/operation';
import { createDocumentStore } from './plugins/document-store';

export const GATEWAY_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  }
})();

/** Dependencies a caller (tests, bench) may inject; defaults are built from the config. */
export interface GatewayDeps {
  logger?: Logger;
  metrics?: Metrics;
  cache?: Cache;
  /** Span exporter to use instead of the configured one (tests). */
  spanExporter?: SpanExporter;
  /** The result cache's clock (freshness, stale windows). Default `Date.now`; tests move it by hand. */
  now?: () => number;
}

export interface Gateway {
  readonly services: GatewayServices;
  readonly http: GatewayHttpServer;
  readonly apollo: ApolloServer<GatewayContext>;
  /** Listens on config.port (0 = a free port) and answers with the base URL. */
  listen(): Promise<string>;
  /** Drains in-flight requests, then closes connections, upstream pools and the cache. */
  close(): Promise<void>;
}

/** Reads every schema file in `schema/` (one per domain). */
export function loadTypeDefs(): string[] {
  const candidates = [path.join(__dirname, '..', 'schema'), path.join(__dirname, '..', '..', 'schema')];
  for (const dir of candidates) {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.graphql'))
        .sort()
        .map((f) => readFileSync(path.join(dir, f), 'utf8'));
    } catch {
      // try the next location (ts-jest runs from src/, the build from dist/src/)
    }
  }
  throw new Error(`schema/ not found next to ${__dirname}`);
}

function createCache(config: GatewayConfig, logger: Logger): Cache {
  if (!config.redis) return new MemoryCache();
  const { username, password, tlsCa } = config.redisAuth;
  return new RedisCache({
    target: config.redis,
    logger,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    // AUTH and TLS given apart from REDIS_URL (rediss:// in the URL turns TLS on by itself).
    redisOptions: { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tlsCa ? { tls: { ca: tlsCa } } : {}) },
  });
}

/** Each upstream's own error format and request conventions, from its folder. */
const UPSTREAM_WIRE: Record<UpstreamName, { errorFormat: UpstreamErrorFormat; contentType?: string }> = {
  iam: { errorFormat: huaweiErrorFormat, contentType: HUAWEI_CONTENT_TYPE },
  pipeline: { errorFormat: pipelineErrorFormat, contentType: HUAWEI_CONTENT_TYPE },
  artifact: { errorFormat: artifactErrorFormat, contentType: HUAWEI_CONTENT_TYPE },
  rts: { errorFormat: rtsErrorFormat, contentType: HUAWEI_CONTENT_TYPE },
  bandwidth: { errorFormat: bandwidthErrorFormat },
  comestri: { errorFormat: comestriErrorFormat },
};

function createClients(
  config: GatewayConfig,
  logger: Logger,
  metrics: Metrics,
  tracing: GatewayTracing | null = null,
): Partial<Record<UpstreamName, UpstreamClient>> {
  const clients: Partial<Record<UpstreamName, UpstreamClient>> = {};
  for (const [name, baseUrl] of Object.entries(config.endpoints) as Array<[UpstreamName, string]>) {
    clients[name] = new UpstreamClient({
      name,
      baseUrl,
      policy: config.upstreamPolicies[name],
      outbound: config.outbound,
      logger,
      metrics,
      observeAttempt: tracing?.observeUpstreamAttempt,
      ...UPSTREAM_WIRE[name],
    });
  }
  return clients;
}

function createApis(clients: Partial<Record<UpstreamName, UpstreamClient>>): UpstreamApis {
  return {
    pipeline: clients.pipeline && new PipelineClient(clients.pipeline),
    artifact: clients.artifact && new ArtifactClient(clients.artifact),
    comestri: clients.comestri && new ComestriClient(clients.comestri),
    rts: clients.rts && new RtsClient(clients.rts),
    bandwidth: clients.bandwidth && new BandwidthClient(clients.bandwidth),
  };
}

function createHuaweiAuth(
  config: GatewayConfig,
  clients: GatewayServices['clients'],
  cache: Cache,
  logger: Logger,
  metrics: Metrics,
): HuaweiAuth {
  const login = config.huawei.iam;
  if (config.huawei.aksk || !login || !clients.iam) return new HuaweiAuth({ aksk: config.huawei.aksk ?? undefined });
  const tokenIdentity = identityHash(login.username, login.domain, login.project, config.endpoints.iam ?? '');
  return new HuaweiAuth({
    tokenIdentity,
    tokenProvider: new IamTokenProvider({
      client: clients.iam,
      login,
      cache,
      cachePrefix: config.cachePrefix,
      identity: tokenIdentity,
      refreshMarginSeconds: config.tokenRefreshMarginSeconds,
      logger,
      metrics,
      // TOKEN_ENCRYPTION_KEY: the token is AES-GCM sealed in the shared cache.
      cipher: config.tokenEncryptionKey ? createTokenCipher(config.tokenEncryptionKey) : undefined,
    }),
  });
}

/** End-user sign-in (AUTH_JWT_*): the issuer's keys, fetched through the outbound proxy/CA settings, and the verifier. */
function createSignIn(config: GatewayConfig, logger: Logger) {
  const auth = config.endUserAuth;
  if (!auth) return null;
  const dispatcher = createUpstreamDispatcher(
    new URL(auth.jwksUrl ?? auth.issuer),
    { ...config.upstreamPolicy, connections: 2 },
    config.outbound,
  );
  const keys = new IssuerKeys({ issuer: auth.issuer, jwksUrl: auth.jwksUrl, dispatcher, logger });
  return { keys, dispatcher, verifier: new JwtVerifier(auth, keys) };
}

function compiledExecution(schema: GraphQLSchema, logger: Logger, metrics: Metrics): CompiledExecution {
  const executed = { jit: metrics.executions.labels('jit'), 'graphql-js': metrics.executions.labels('graphql-js') };
  return new CompiledExecution(schema, {
    onCompileFailure: (err) => logger.warn({ err }, 'operation not compiled: it runs on graphql-js'),
    onExecuted: (engine) => executed[engine].inc(),
  });
}

/**
 * Builds the whole gateway from a validated config: cache, upstream clients, auth, schema,
 * Apollo Server and the HTTP surface. Nothing here reads the environment.
 */
export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel, pretty: !config.production });
  const metrics = deps.metrics ?? createMetrics();
  const cache = deps.cache ?? createCache(config, logger);
  if (cache instanceof RedisCache) {
    const ready = await cache.waitReady(2000);
    if (!ready) logger.warn({ cache: cache.kind }, 'Redis not reachable at start: serving without cache until it is');
  }
  const persisted = createPersistedQuerySetup({ config, cache, metrics, logger });
  const tracing = createTracing({ config: config.tracing, version: GATEWAY_VERSION, exporter: deps.spanExporter });
  const clients = createClients(config, logger, metrics, tracing);
  const signIn = createSignIn(config, logger);
  const services: GatewayServices = {
    config,
    logger,
    metrics,
    cache,
    results: new ResultCache(cache, config.cachePrefix, metrics, {
      staleSeconds: config.resultCacheStaleSeconds,
      invalidation: config.resultCacheInvalidation,
      logger,
      now: deps.now,
    }),
    clients,
    apis: createApis(clients),
    huaweiAuth: createHuaweiAuth(config, clients, cache, logger, metrics),
    authenticator: new Authenticator(new GatewayKeys(config.apiKeys), config.keyPolicies, signIn ? { jwt: signIn.verifier } : {}),
    issuerKeys: signIn?.keys ?? null,
    tracing,
  };
  // Live updates share their polls through Redis where the cache can carry messages (single
  // node, Sentinel); otherwise (in-process cache, Redis Cluster) each process polls alone.
  services.live = new LiveHub({
    config: config.live,
    coordination:
      cache instanceof RedisCache && cache.broadcast
        ? new RedisLiveCoordination(cache.connection, cache.broadcast, config.cachePrefix, logger)
        : undefined,
    logger,
    metrics,
  });

  const schema = makeExecutableSchema<GatewayContext>({
    typeDefs: loadTypeDefs(),
    resolvers: createResolvers({ version: GATEWAY_VERSION, simulated: config.simulation !== null }) as never,
  });
  enforceRequiresScopes(schema);
  const engine = config.executionEngine === 'jit' ? { gateway: compiledExecution(schema, logger, metrics).asApolloGateway() } : { schema };
  const apollo = new ApolloServer<GatewayContext>({
    ...engine,
    introspection: config.introspection,
    // Parsed documents, bounded by the heap they really hold (unique documents cannot grow it).
    documentStore: createDocumentStore(),
    // With introspection off the schema is not public: validation errors name no field or type
    // the client did not write ("Did you mean …?" suggestions are dropped).
    hideSchemaDetailsFromClientErrors: !config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: it drains HTTP first, then stops Apollo.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: config.batching.enabled,
    // The parser stops past this many tokens: a huge document costs no more than that.
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    includeStacktraceInErrorResponses: !config.production,
    formatError: createFormatError({ logger, production: config.production, hideSchemaHints: !config.introspection }),
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // No @cacheControl hints are used; left on, it wraps every field resolver (its cost: docs/scaling.md).
      ApolloServerPluginCacheControlDisabled(),
      operationLimitsPlugin(config.operationLimits, metrics),
      keyScopesPlugin(
        config.keyPolicies,
        scopeDefaultsOf(config),
        metrics,
        config.endUserAuth ? { writeScope: config.endUserAuth.writeScope } : undefined,
      ),
      auditPlugin({ logger }),
      metricsPlugin(metrics, { isTrustedDocument: (hash) => persisted.trustedDocuments?.has(hash) ?? false }),
      leftOutRowsPlugin(),
      ...(tracing ? [tracingPlugin()] : []),
      ...persisted.plugins,
    ],
    persistedQueries: persisted.persistedQueries,
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  await apollo.start();
  signIn?.keys.start();

  const formatError = createFormatError({ logger, production: config.production });
  const live: LiveOperationDeps = {
    services,
    schema,
    scopeDefaults: scopeDefaultsOf(config),
    trustedDocuments: persisted.trustedDocuments,
    formatError,
  };
  const routes: RouteHandler[] = [createLiveStreamRoute(live), createIdeAssetRoute(), createMediaRoute(services)];
  const http = new GatewayHttpServer({ services, apollo, routes });
  const liveSockets = attachLiveWebSocket(http.server, live);

  let closed = false;
  return {
    services,
    http,
    apollo,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(config.port, config.host, () => resolve());
      });
      http.markServing();
      const addr = http.server.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      return `http://${host}:${addr.port}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      // Subscriptions end first (clients see them complete), so no stream holds the drain up.
      services.live?.close();
      await liveSockets.close();
      if (http.server.listening) await http.drain(config.shutdownGraceMs);
      await apollo.stop();
      await tracing?.shutdown();
      signIn?.keys.close();
      await signIn?.dispatcher.close();
      await Promise.all(Object.values(clients).map((c) => c.close()));
      if (!deps.cache) await cache.close();
    },
  };
}
