import type { GatewayConfig, UpstreamName } from './config';
import type { Cache } from './cache/cache';
import type { ResultCache } from './cache/result-cache';
import type { HuaweiAuth } from './auth/huawei-auth';
import type { Authenticator } from './auth/authenticate';
import type { IssuerKeys } from './auth/issuer-keys';
import type { Principal } from './auth/principal';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';
import type { GatewayTracing } from './observability/tracing';
import { UpstreamUnavailableError } from './errors';
import type { UpstreamClient } from './upstreams/http-client';
import type { PipelineClient } from './upstreams/pipeline/client';
import type { ArtifactClient } from './upstreams/artifact/client';
import { createArtifactLoaders, type ArtifactLoaders } from './upstreams/artifact/loaders';
import { createPipelineLoaders, type PipelineLoaders } from './upstreams/pipeline/loaders';
import { COMESTRI_MAX_PER_PAGE, type ComestriClient } from './upstreams/job/client';
import { comestriCredentials } from './upstreams/job/auth';
import { createComestriLoaders, type ComestriLoaders } from './upstreams/job/loaders';
import type { RtsClient } from './upstreams/deployment/client';
import type { BandwidthClient } from './upstreams/recording/client';
import { bandwidthCredentials } from './upstreams/recording/credentials';
import { createBandwidthLoaders, type BandwidthLoaders } from './upstreams/recording/loaders';
import { createRtsLoaders, type RtsLoaders } from './upstreams/deployment/loaders';
import type { Cancellation, SignalSource } from './runtime/cancellation';
import type { LeftOutReport } from './paging/left-out';
import type { LiveHub } from './live/live-hub';

/** Typed API of each configured upstream; absent when its endpoint is not configured. */
export interface UpstreamApis {
  pipeline?: PipelineClient;
  artifact?: ArtifactClient;
  comestri?: ComestriClient;
  rts?: RtsClient;
  bandwidth?: BandwidthClient;
}

/** What lives as long as the gateway: built once in `gateway.ts`, shared by all requests. */
export interface GatewayServices {
  config: GatewayConfig;
  logger: Logger;
  metrics: Metrics;
  cache: Cache;
  results: ResultCache;
  clients: Partial<Record<UpstreamName, UpstreamClient>>;
  apis: UpstreamApis;
  huaweiAuth: HuaweiAuth;
  /** Checks every request's credential and rate, whatever the transport. */
  authenticator: Authenticator;
  /** The sign-in provider's keys (AUTH_JWT_ISSUER); absent when end-user sign-in is off. */
  issuerKeys?: IssuerKeys | null;
  /** OpenTelemetry spans; absent when tracing is off. */
  tracing?: GatewayTracing | null;
  /** Live updates (subscriptions); absent only where a gateway is assembled without them (unit tests). */
  live?: LiveHub;
}

/** The GraphQL context of one operation. */
export interface GatewayContext extends LeftOutReport {
  principal: Principal;
  services: GatewayServices;
  /** The gateway's logger: every line written while serving this operation carries its request id (the request scope). */
  logger: Logger;
  /** Aborted when the client goes away or the operation's deadline passes. */
  readonly signal: AbortSignal;
  loaders: RequestLoaders;
}

/**
 * The context of one operation. A class, so that `signal` is a getter on its prototype: the
 * signal is made only if a resolver or an upstream call asks for it (src/runtime/cancellation.ts).
 */
export class OperationContext implements GatewayContext {
  readonly logger: Logger;
  readonly loaders: RequestLoaders;
  leftOut: LeftOutReport['leftOut'] = undefined;

  constructor(
    readonly principal: Principal,
    readonly services: GatewayServices,
    private readonly cancellation: Cancellation,
  ) {
    this.logger = services.logger;
    this.loaders = new RequestLoaders(services, principal, cancellation);
  }

  get signal(): AbortSignal {
    return this.cancellation.signal;
  }
}

/** The API of an upstream, or the contract's UPSTREAM_UNAVAILABLE when it is not configured. */
export function requireApi<K extends keyof UpstreamApis>(services: GatewayServices, name: K): NonNullable<UpstreamApis[K]> {
  const api = services.apis[name];
  if (!api) throw new UpstreamUnavailableError(name, 'not-configured');
  return api;
}

/**
 * Per-request loaders, created on first use so an operation that never touches an upstream
 * needs none of its credentials (metaphysics' `createLoaders(principal)`).
 */
export class RequestLoaders {
  private pipelineLoaders?: PipelineLoaders;
  private artifactLoaders?: ArtifactLoaders;
  private comestriLoaders?: ComestriLoaders;
  private rtsLoaders?: RtsLoaders;
  private bandwidthLoaders?: BandwidthLoaders;

  constructor(
    private readonly services: GatewayServices,
    private readonly principal: Principal,
    private readonly cancel: SignalSource,
  ) {}

  get pipeline(): PipelineLoaders {
    const { config, results, metrics, huaweiAuth } = this.services;
    this.pipelineLoaders ??= createPipelineLoaders(
      {
        client: requireApi(this.services, 'pipeline'),
        results,
        metrics,
        batchMax: config.pipelineBatchMax,
        ttlSeconds: config.resultCacheTtlSeconds,
        timezone: config.upstreamTimezone,
      },
      huaweiAuth.for(this.principal),
      this.cancel,
    );
    return this.pipelineLoaders;
  }

  get artifact(): ArtifactLoaders {
    const { config, results, metrics, huaweiAuth } = this.services;
    if (!this.artifactLoaders) {
      const client = requireApi(this.services, 'artifact');
      // Required with the endpoint (config.ts); absent only when Artifact is not configured.
      if (!config.huawei.domainId) throw new UpstreamUnavailableError('artifact', 'not-configured');
      this.artifactLoaders = createArtifactLoaders(
        {
          client,
          results,
          metrics,
          ttlSeconds: config.resultCacheTtlSeconds,
          timezone: config.upstreamTimezone,
          tenantId: config.huawei.domainId,
          exposeMavenPasswords: config.artifactExposeMavenPasswords,
        },
        huaweiAuth.for(this.principal),
        this.cancel,
      );
    }
    return this.artifactLoaders;
  }

  get comestri(): ComestriLoaders {
    const { config, results, metrics } = this.services;
    if (!this.comestriLoaders) {
      const client = requireApi(this.services, 'comestri');
      // Required with the endpoint (config.ts); absent only when Comestri is not configured.
      if (!config.comestri) throw new UpstreamUnavailableError('comestri', 'not-configured');
      this.comestriLoaders = createComestriLoaders(
        {
          client,
          results,
          metrics,
          ttlSeconds: config.resultCacheTtlSeconds,
          timezone: config.upstreamTimezone,
          maxPerPage: COMESTRI_MAX_PER_PAGE,
        },
        comestriCredentials(config.comestri),
        this.cancel,
      );
    }
    return this.comestriLoaders;
  }

  get rts(): RtsLoaders {
    const { config, results, metrics, huaweiAuth } = this.services;
    this.rtsLoaders ??= createRtsLoaders(
      {
        client: requireApi(this.services, 'rts'),
        results,
        metrics,
        ttlSeconds: config.resultCacheTtlSeconds,
        timezone: config.upstreamTimezone,
      },
      huaweiAuth.for(this.principal),
      this.cancel,
    );
    return this.rtsLoaders;
  }

  get bandwidth(): BandwidthLoaders {
    const { config, results, metrics } = this.services;
    this.bandwidthLoaders ??= createBandwidthLoaders(
      {
        client: requireApi(this.services, 'bandwidth'),
        results,
        metrics,
        ttlSeconds: config.resultCacheTtlSeconds,
        timezone: config.upstreamTimezone,
      },
      bandwidthCredentials(config),
      this.cancel,
    );
    return this.bandwidthLoaders;
  }
}
