import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseKeyPolicies, type KeyPolicies } from './auth/key-policy';
import { parseClaimMapping, type ClaimMapping } from './auth/claim-policy';

/** An upstream the gateway calls (IAM issues the Huawei tokens the others use). */
export type UpstreamName = 'iam' | 'pipeline' | 'artifact' | 'rts' | 'bandwidth' | 'comestri';
export const UPSTREAM_NAMES: readonly UpstreamName[] = ['iam', 'pipeline', 'artifact', 'rts', 'bandwidth', 'comestri'];

/** Variable that holds each upstream's base URL (contract: "Upstreams"). */
export const ENDPOINT_VARIABLES: Record<UpstreamName, string> = {
  iam: 'HUAWEI_IAM_ENDPOINT',
  pipeline: 'CODEARTS_PIPELINE_ENDPOINT',
  artifact: 'CODEARTS_ARTIFACT_ENDPOINT',
  rts: 'RTS_ENDPOINT',
  bandwidth: 'BANDWIDTH_VOICE_ENDPOINT',
  comestri: 'COMESTRI_ENDPOINT',
};

export interface IamPasswordLogin {
  username: string;
  password: string;
  /** Account (domain) name the user belongs to. */
  domain: string;
  /** Project name the token is scoped to. */
  project: string;
}

export interface UpstreamPolicy {
  /** Deadline of one upstream call, retries included (ms). */
  deadlineMs: number;
  /** Connect timeout (ms). */
  connectTimeoutMs: number;
  /** Time to receive the response headers of one attempt (ms). */
  headersTimeoutMs: number;
  /** Longest silence between two chunks of a response body (ms). */
  bodyTimeoutMs: number;
  /** Retries of a failed read (5xx, connection error, per-attempt timeout). */
  retries: number;
  /** First backoff before a retry (ms); doubled per retry, with full jitter of half of it. */
  retryBackoffMs: number;
  /** Retries may add at most this share of the calls (percent) ... */
  retryBudgetPercent: number;
  /** ... plus this many retries per second, so a quiet upstream can still be retried. */
  retryBudgetMinPerSecond: number;
  /** Longest Retry-After the gateway waits for before answering UPSTREAM_RATE_LIMITED (s). */
  maxRetryAfterSeconds: number;
  /** Consecutive failures that open the circuit breaker. */
  breakerFailureThreshold: number;
  /** How long an open breaker refuses calls before letting a probe through (ms). */
  breakerResetMs: number;
  /** Most open connections to the upstream. */
  connections: number;
}

/**
 * The gateway's configuration, parsed and validated once from the environment by
 * {@link loadConfig}. Only `src/main.ts` reads `process.env`; everything else receives this object.
 */
export interface GatewayConfig {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  /** Why the gateway serves from its simulated upstreams, or null when it talks to real ones. */
  simulation: null | { reason: string };
  /** Base URL of each configured upstream; absent ones are "not configured". */
  endpoints: Partial<Record<UpstreamName, string>>;
  redis:
    | null
    | { url: string }
    | { clusterNodes: Array<{ host: string; port: number }> }
    /** Redis Sentinel: the sentinels to ask, and the name of the master they watch. */
    | { sentinels: Array<{ host: string; port: number }>; masterName: string };
  /** Key prefix of everything the gateway writes to the cache. */
  cachePrefix: string;
  /** Longest a Redis command may take: past it, a miss, and the cache counts as stalled until it answers (ms). */
  redisCommandTimeoutMs: number;
  apiKeys: string[];
  huawei: {
    iam: IamPasswordLogin | null;
    aksk: { ak: string; sk: string } | null;
    codeartsProjectId: string | undefined;
    projectId: string | undefined;
    domainId: string | undefined;
  };
  bandwidth: { username: string; password: string; accountId: string } | null;
  comestri: { token: string; email: string } | null;
  upstreamTimezone: string;
  artifactExposeMavenPasswords: boolean;
  pipelineBatchMax: number;
  /** TTL of cached upstream results (s). */
  resultCacheTtlSeconds: number;
  /** How a process's hot cached entries learn of other processes' invalidations (see result-cache.ts). */
  resultCacheInvalidation: 'push' | 'check';
  /** Stale-while-revalidate window past the TTL, per upstream (s); 0 = no stale serving. */
  resultCacheStaleSeconds: Record<UpstreamName, number>;
  /** IAM tokens are refreshed this long before `expires_at` (s). */
  tokenRefreshMarginSeconds: number;
  upstreamPolicy: UpstreamPolicy;
  /** Grace period to drain in-flight requests on SIGTERM (ms). */
  shutdownGraceMs: number;
  introspection: boolean;
  /** Automatic persisted queries, stored in the shared cache (Redis when configured). */
  persistedQueries: { enabled: boolean; ttlSeconds: number };
  /** Manifest of the only operations allowed to run (trusted documents), or undefined for any. */
  trustedDocumentsFile: string | undefined;
  /** OpenTelemetry spans; `exporter: 'none'` (the default) creates none. */
  tracing: TracingConfig;
  /** Policy of each upstream: `UPSTREAM_<NAME>_*` over the `UPSTREAM_*` defaults of {@link upstreamPolicy}. */
  upstreamPolicies: Record<UpstreamName, UpstreamPolicy>;
  /** Outbound proxy and extra trusted CAs for upstream connections. */
  outbound: OutboundConfig;
  /** Limits every operation must keep, checked before it executes. */
  operationLimits: OperationLimits;
  /** Browser origins allowed to call /graphql (CORS): empty = none, `['*']` = any. */
  cors: { origins: string[]; maxAgeSeconds: number };
  /** gzip/brotli of responses at least `minBytes` long, when the client accepts it. */
  compression: { enabled: boolean; minBytes: number };
  /** `Server-Timing: gateway;dur=<ms>` on GraphQL answers: the gateway's own time on the operation. */
  serverTiming: boolean;
  /** `jit`: a repeated document runs compiled by graphql-jit (errors kept as graphql-js makes them); `graphql-js`: always interpreted. */
  executionEngine: 'jit' | 'graphql-js';
  /** Deadline of one whole operation (ms): upstream calls still running then are cancelled. */
  operationDeadlineMs: number;
  /** Largest accepted request body (bytes). */
  maxBodyBytes: number;
  /** Batched HTTP requests (a JSON array of operations): off unless enabled. */
  batching: { enabled: boolean; maxOperations: number };
  /** Per-key scopes and rate limits (`GATEWAY_API_KEY_POLICIES`). */
  keyPolicies: KeyPolicies;
  /** End-user sign-in with OIDC/JWT bearer tokens (`AUTH_JWT_*`); null when off. */
  endUserAuth: EndUserAuthConfig | null;
  /** Secret that signs signed-in users' media links (`MEDIA_LINK_SECRET`); undefined = a random one per process. */
  mediaLinkSecret: string | undefined;
  /** Secret that encrypts IAM tokens at rest in the shared cache; undefined = stored as is. */
  tokenEncryptionKey: string | undefined;
  /** Redis AUTH and TLS given apart from the URL (secrets stores hand them out separately). */
  redisAuth: { username?: string; password?: string; tlsCa?: string };
  /** Live updates (subscriptions over WebSocket and SSE). */
  live: LiveConfig;
}

export interface LiveConfig {
  /** How often a watched upstream resource is fetched (ms, at least 1000). */
  pollIntervalMs: number;
  /** Most subscriptions one WebSocket connection may hold at once. */
  maxSubscriptionsPerConnection: number;
  /** Most subscriptions one gateway key (or signed-in subject) may hold at once, per gateway process. */
  maxSubscriptionsPerCaller: number;
  /** Most ids one subscription may watch (`pipelineRuns(ids:)`). */
  maxIdsPerSubscription: number;
  /** Events waiting for a slow subscriber before it is dropped. */
  maxBufferedEvents: number;
}

/** End-user sign-in (contract: "End users (frontend apps)"). */
export interface EndUserAuthConfig {
  /** `iss` a token must carry, exactly as configured; discovery is at `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  /** `aud` a token must name. */
  audience: string;
  /** JWKS URL given instead of discovery (`AUTH_JWKS_URL`). */
  jwksUrl: string | undefined;
  /** Scope a token needs for mutations (`AUTH_JWT_WRITE_SCOPE`, default `gateway:write`). */
  writeScope: string;
  /** Which claims restrict a user's policy (`AUTH_JWT_CLAIMS`). */
  claims: ClaimMapping;
  /** Requests per minute of one subject when no claim says otherwise (`AUTH_JWT_RATE_LIMIT_PER_MINUTE`); 0 = unlimited. */
  requestsPerMinute: number;
}

export interface OutboundConfig {
  /** Proxy for http:// upstreams (`HTTP_PROXY`). */
  httpProxy: string | undefined;
  /** Proxy for https:// upstreams (`HTTPS_PROXY`, else `HTTP_PROXY`). */
  httpsProxy: string | undefined;
  /** Hosts reached directly (`NO_PROXY`): `host`, `.suffix`, `host:port` or `*`. */
  noProxy: string[];
  /**
   * PEM certificates trusted for upstreams besides the public roots (`UPSTREAM_CA_FILE`, and
   * `NODE_EXTRA_CA_CERTS` which Node itself drops once explicit CAs are given). Empty = Node's defaults.
   */
  extraCaCertificates: string[];
}

export interface OperationLimits {
  /** Deepest field nesting (root fields are depth 1). */
  maxDepth: number;
  /** Most aliased fields in one operation. */
  maxAliases: number;
  /** Most fields at the root of one operation. */
  maxRootFields: number;
  /** Most lexical tokens in a document (the parser stops past it). */
  maxTokens: number;
  /** Longest query text (bytes). */
  maxQueryBytes: number;
  /** Highest estimated cost: each object field times the list sizes above it (`first`, list arguments). */
  maxCost: number;
  /** Size assumed for a list whose length no argument bounds. */
  defaultListSize: number;
}

export interface TracingConfig {
  exporter: 'none' | 'otlp' | 'console';
  /** Where OTLP/HTTP JSON spans are posted (the full `/v1/traces` URL). */
  otlpTracesUrl: string;
  serviceName: string;
}

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const baseUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
    } catch {
      return false;
    }
  },
  { message: 'must be a base URL such as https://host[:port][/prefix] (http or https, no query)' },
);

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const proxyUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http:// or https:// proxy URL' },
);

const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, { message: 'must be host:port' });

/** Each variable the gateway reads, its validation and default. */
const variables = {
  PORT: intIn(0, 65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SIMULATE: z.enum(['0', '1', 'true', 'false']).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, { message: 'must be a redis:// or rediss:// URL' })
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(hostPort).min(1, { message: 'must list at least one host:port' }))
    .optional(),
  REDIS_SENTINELS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(hostPort).min(1, { message: 'must list at least one host:port' }))
    .optional(),
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, . _ - only' })
    .default('mymaster'),
  REDIS_COMMAND_TIMEOUT_MS: intIn(10, 60000).default(250),
  CACHE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,40}$/, { message: 'letters, digits, : _ - only' })
    .default('gw'),
  // Set but holding no key (only commas or spaces) stops the start: read as "no keys" it would
  // turn authentication off. Empty (`GATEWAY_API_KEYS=`) is unset, like every variable here.
  GATEWAY_API_KEYS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().min(16, { message: 'each key must be at least 16 characters' }))
        .min(1, { message: 'is set but holds no key (only commas or spaces); unset it to run without keys' }),
    )
    .optional(),
  HUAWEI_IAM_ENDPOINT: baseUrl.optional(),
  HUAWEI_IAM_USERNAME: optionalString,
  HUAWEI_IAM_PASSWORD: optionalString,
  HUAWEI_IAM_DOMAIN: optionalString,
  HUAWEI_IAM_PROJECT: optionalString,
  HUAWEI_AK: optionalString,
  HUAWEI_SK: optionalString,
  CODEARTS_PIPELINE_ENDPOINT: baseUrl.optional(),
  CODEARTS_ARTIFACT_ENDPOINT: baseUrl.optional(),
  CODEARTS_PROJECT_ID: optionalString,
  HUAWEI_PROJECT_ID: optionalString,
  HUAWEI_DOMAIN_ID: optionalString,
  RTS_ENDPOINT: baseUrl.optional(),
  BANDWIDTH_VOICE_ENDPOINT: baseUrl.optional(),
  BANDWIDTH_USERNAME: optionalString,
  BANDWIDTH_PASSWORD: optionalString,
  BANDWIDTH_ACCOUNT_ID: optionalString,
  COMESTRI_ENDPOINT: baseUrl.optional(),
  COMESTRI_API_TOKEN: optionalString,
  COMESTRI_EMAIL: optionalString,
  UPSTREAM_TIMEZONE: z
    .string()
    .regex(/^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/, { message: 'must be an offset such as +08:00 or Z' })
    .default('+08:00'),
  ARTIFACT_EXPOSE_MAVEN_PASSWORDS: bool.default(false),
  PIPELINE_BATCH_MAX: intIn(1, 1000).default(100),
  RESULT_CACHE_TTL_SECONDS: intIn(0, 86400).default(15),
  RESULT_CACHE_INVALIDATION: z.enum(['push', 'check']).default('push'),
  // `30` for every upstream, or `30,bandwidth=0,pipeline=60` (a bare number is the default).
  RESULT_CACHE_STALE_SECONDS: z
    .string()
    .regex(/^\s*(\d{1,5}|[a-z]+=\d{1,5})(\s*,\s*(\d{1,5}|[a-z]+=\d{1,5}))*\s*$/, {
      message: 'must be seconds (e.g. 30) and/or upstream=seconds pairs (e.g. 30,bandwidth=0)',
    })
    .refine((s) => s.split(',').every((p) => !p.includes('=') || (UPSTREAM_NAMES as readonly string[]).includes(p.split('=')[0]!.trim())), {
      message: `names an unknown upstream (known: ${UPSTREAM_NAMES.join(', ')})`,
    })
    .default('30'),
  TOKEN_REFRESH_MARGIN_SECONDS: intIn(0, 43200).default(3600),
  UPSTREAM_DEADLINE_MS: intIn(100, 300000).default(10000),
  UPSTREAM_CONNECT_TIMEOUT_MS: intIn(50, 60000).default(3000),
  UPSTREAM_RETRIES: intIn(0, 5).default(2),
  UPSTREAM_MAX_RETRY_AFTER_SECONDS: intIn(0, 120).default(10),
  UPSTREAM_BREAKER_FAILURES: intIn(1, 1000).default(5),
  UPSTREAM_BREAKER_RESET_MS: intIn(100, 600000).default(10000),
  UPSTREAM_CONNECTIONS: intIn(1, 1024).default(64),
  UPSTREAM_HEADERS_TIMEOUT_MS: intIn(100, 300000).default(10000),
  UPSTREAM_BODY_TIMEOUT_MS: intIn(100, 300000).default(10000),
  UPSTREAM_RETRY_BACKOFF_MS: intIn(0, 10000).default(50),
  UPSTREAM_RETRY_BUDGET_PERCENT: intIn(0, 100).default(20),
  UPSTREAM_RETRY_MIN_PER_SECOND: intIn(0, 1000).default(5),
  HTTP_PROXY: proxyUrl.optional(),
  HTTPS_PROXY: proxyUrl.optional(),
  NO_PROXY: optionalString,
  UPSTREAM_CA_FILE: optionalString,
  NODE_EXTRA_CA_CERTS: optionalString,
  CORS_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^\s/,]+)$/, { message: 'each origin must be * or scheme://host[:port]' })))
    .optional(),
  CORS_MAX_AGE_SECONDS: intIn(0, 86400).default(600),
  COMPRESSION: bool.default(true),
  SERVER_TIMING: bool.default(true),
  EXECUTION_ENGINE: z.enum(['jit', 'graphql-js']).default('jit'),
  COMPRESSION_MIN_BYTES: intIn(0, 10485760).default(1024),
  OPERATION_DEADLINE_MS: intIn(100, 600000).default(30000),
  REQUEST_MAX_BODY_BYTES: intIn(1024, 104857600).default(1048576),
  GRAPHQL_BATCHING: bool.default(false),
  GRAPHQL_BATCH_MAX: intIn(1, 100).default(10),
  OPERATION_MAX_DEPTH: intIn(1, 100).default(12),
  OPERATION_MAX_ALIASES: intIn(0, 1000).default(30),
  OPERATION_MAX_ROOT_FIELDS: intIn(1, 1000).default(20),
  OPERATION_MAX_TOKENS: intIn(100, 1000000).default(4000),
  OPERATION_MAX_QUERY_BYTES: intIn(256, 10485760).default(32768),
  OPERATION_MAX_COST: intIn(1, 100000000).default(10000),
  OPERATION_DEFAULT_LIST_SIZE: intIn(1, 10000).default(20),
  GATEWAY_API_KEY_POLICIES: optionalString,
  GATEWAY_KEY_RATE_LIMIT_PER_MINUTE: intIn(0, 1000000).default(0),
  AUTH_JWT_ISSUER: baseUrl.optional(),
  AUTH_JWT_AUDIENCE: optionalString,
  AUTH_JWKS_URL: z
    .string()
    .refine(
      (s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { message: 'must be an http:// or https:// URL' },
    )
    .optional(),
  AUTH_JWT_WRITE_SCOPE: z
    .string()
    .regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, { message: 'must be one scope token (no spaces or quotes)' })
    .default('gateway:write'),
  AUTH_JWT_CLAIMS: optionalString,
  AUTH_JWT_RATE_LIMIT_PER_MINUTE: intIn(0, 1000000).optional(),
  MEDIA_LINK_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  TOKEN_ENCRYPTION_KEY: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS_CA_FILE: optionalString,
  SHUTDOWN_GRACE_MS: intIn(0, 120000).default(10000),
  GRAPHQL_INTROSPECTION: bool.optional(),
  PERSISTED_QUERIES: bool.default(true),
  PERSISTED_QUERIES_TTL_SECONDS: intIn(60, 2592000).default(86400),
  TRUSTED_DOCUMENTS: optionalString,
  LIVE_POLL_INTERVAL_MS: intIn(1000, 3600000).default(5000),
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: intIn(1, 10000).default(100),
  LIVE_MAX_SUBSCRIPTIONS_PER_CALLER: intIn(1, 1000000).default(1000),
  LIVE_MAX_IDS_PER_SUBSCRIPTION: intIn(1, 1000).default(100),
  LIVE_MAX_BUFFERED_EVENTS: intIn(1, 100000).default(256),
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: baseUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: baseUrl.optional(),
  OTEL_SERVICE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, . _ - only' })
    .default('bff-gateway'),
} as const;

type Variables = { [K in keyof typeof variables]: z.output<(typeof variables)[K]> };

function parseVariables(env: Readonly<Record<string, string | undefined>>): Variables {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(variables)) {
    const raw = env[name];
    const result = (schema as z.ZodType).safeParse(raw === '' ? undefined : raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      // The value is never echoed: it may be a secret.
      throw new ConfigError(name, issue?.message ?? 'is invalid');
    }
    out[name] = result.data;
  }
  return out as Variables;
}

function staleWindows(spec: string): Record<UpstreamName, number> {
  const parts = spec.split(',').map((p) => p.trim());
  const fallback = Number(parts.find((p) => !p.includes('=')) ?? '0');
  const windows = Object.fromEntries(UPSTREAM_NAMES.map((u) => [u, fallback])) as Record<UpstreamName, number>;
  for (const p of parts.filter((p) => p.includes('='))) {
    const [name, seconds] = p.split('=');
    windows[name!.trim() as UpstreamName] = Number(seconds);
  }
  return windows;
}

function requireAll(v: Variables, upstream: UpstreamName, names: Array<keyof Variables>): void {
  for (const name of names) {
    if (v[name] === undefined) {
      throw new ConfigError(name, `is required because ${ENDPOINT_VARIABLES[upstream]} is set`);
    }
  }
}

/**
 * Parses and validates the environment. Throws {@link ConfigError} naming the first variable
 * that is missing or malformed.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): GatewayConfig {
  const v = parseVariables(env);
  if (v.REDIS_URL && v.REDIS_CLUSTER_NODES) {
    throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
  }
  if (v.REDIS_SENTINELS && (v.REDIS_URL || v.REDIS_CLUSTER_NODES)) {
    throw new ConfigError('REDIS_SENTINELS', 'set one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS');
  }
  if (Boolean(v.HUAWEI_AK) !== Boolean(v.HUAWEI_SK)) {
    throw new ConfigError(v.HUAWEI_AK ? 'HUAWEI_SK' : 'HUAWEI_AK', 'HUAWEI_AK and HUAWEI_SK go together');
  }

  const endpoints: Partial<Record<UpstreamName, string>> = {};
  for (const name of UPSTREAM_NAMES) {
    const value = v[ENDPOINT_VARIABLES[name] as keyof Variables];
    if (typeof value === 'string') endpoints[name] = value.replace(/\/+$/, '');
  }
  const anyEndpoint = Object.keys(endpoints).length > 0;
  const simulateFlag = v.SIMULATE === '1' || v.SIMULATE === 'true';
  const production = v.NODE_ENV === 'production';
  // Production never serves simulated data by accident: only SIMULATE=1 says so.
  if (production && !anyEndpoint && !simulateFlag) {
    throw new ConfigError(
      'SIMULATE',
      `NODE_ENV=production and no upstream endpoint is set (${UPSTREAM_NAMES.map((n) => ENDPOINT_VARIABLES[n]).join(', ')}): set them, or SIMULATE=1 to serve the built-in simulators`,
    );
  }
  const simulation = simulateFlag
    ? { reason: 'SIMULATE=1' }
    : !anyEndpoint && v.SIMULATE === undefined
      ? { reason: 'no upstream endpoint is configured' }
      : null;

  const iamLogin: IamPasswordLogin | null =
    v.HUAWEI_IAM_USERNAME && v.HUAWEI_IAM_PASSWORD && v.HUAWEI_IAM_DOMAIN && v.HUAWEI_IAM_PROJECT
      ? {
          username: v.HUAWEI_IAM_USERNAME,
          password: v.HUAWEI_IAM_PASSWORD,
          domain: v.HUAWEI_IAM_DOMAIN,
          project: v.HUAWEI_IAM_PROJECT,
        }
      : null;
  const aksk = v.HUAWEI_AK && v.HUAWEI_SK ? { ak: v.HUAWEI_AK, sk: v.HUAWEI_SK } : null;

  if (!simulation) {
    const huaweiUpstreams: UpstreamName[] = ['pipeline', 'artifact', 'rts'];
    for (const up of huaweiUpstreams) {
      if (!endpoints[up] || aksk) continue;
      requireAll(v, up, ['HUAWEI_IAM_ENDPOINT', 'HUAWEI_IAM_USERNAME', 'HUAWEI_IAM_PASSWORD', 'HUAWEI_IAM_DOMAIN', 'HUAWEI_IAM_PROJECT']);
    }
    if (endpoints.pipeline) requireAll(v, 'pipeline', ['CODEARTS_PROJECT_ID']);
    if (endpoints.artifact) requireAll(v, 'artifact', ['CODEARTS_PROJECT_ID', 'HUAWEI_DOMAIN_ID']);
    if (endpoints.rts) requireAll(v, 'rts', ['HUAWEI_PROJECT_ID']);
    if (endpoints.bandwidth) requireAll(v, 'bandwidth', ['BANDWIDTH_USERNAME', 'BANDWIDTH_PASSWORD', 'BANDWIDTH_ACCOUNT_ID']);
    if (endpoints.comestri) requireAll(v, 'comestri', ['COMESTRI_API_TOKEN', 'COMESTRI_EMAIL']);
  }

  const basePolicy: UpstreamPolicy = {
    deadlineMs: v.UPSTREAM_DEADLINE_MS,
    connectTimeoutMs: v.UPSTREAM_CONNECT_TIMEOUT_MS,
    headersTimeoutMs: v.UPSTREAM_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: v.UPSTREAM_BODY_TIMEOUT_MS,
    retries: v.UPSTREAM_RETRIES,
    retryBackoffMs: v.UPSTREAM_RETRY_BACKOFF_MS,
    retryBudgetPercent: v.UPSTREAM_RETRY_BUDGET_PERCENT,
    retryBudgetMinPerSecond: v.UPSTREAM_RETRY_MIN_PER_SECOND,
    maxRetryAfterSeconds: v.UPSTREAM_MAX_RETRY_AFTER_SECONDS,
    breakerFailureThreshold: v.UPSTREAM_BREAKER_FAILURES,
    breakerResetMs: v.UPSTREAM_BREAKER_RESET_MS,
    connections: v.UPSTREAM_CONNECTIONS,
  };
  const httpProxy = v.HTTP_PROXY ?? lowerCaseProxy(env, 'http_proxy');
  return {
    port: v.PORT,
    host: v.HOST,
    production,
    logLevel: v.LOG_LEVEL,
    simulation,
    endpoints: simulation ? {} : endpoints,
    redis: v.REDIS_URL
      ? { url: v.REDIS_URL }
      : v.REDIS_CLUSTER_NODES
        ? {
            clusterNodes: v.REDIS_CLUSTER_NODES.map((hp) => {
              const i = hp.lastIndexOf(':');
              return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
            }),
          }
        : v.REDIS_SENTINELS
          ? {
              sentinels: v.REDIS_SENTINELS.map((hp) => {
                const i = hp.lastIndexOf(':');
                return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
              }),
              masterName: v.REDIS_SENTINEL_MASTER,
            }
          : null,
    cachePrefix: v.CACHE_PREFIX,
    redisCommandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS,
    apiKeys: v.GATEWAY_API_KEYS ?? [],
    huawei: {
      iam: iamLogin,
      aksk,
      codeartsProjectId: v.CODEARTS_PROJECT_ID,
      projectId: v.HUAWEI_PROJECT_ID,
      domainId: v.HUAWEI_DOMAIN_ID,
    },
    bandwidth:
      v.BANDWIDTH_USERNAME && v.BANDWIDTH_PASSWORD && v.BANDWIDTH_ACCOUNT_ID
        ? { username: v.BANDWIDTH_USERNAME, password: v.BANDWIDTH_PASSWORD, accountId: v.BANDWIDTH_ACCOUNT_ID }
        : null,
    comestri: v.COMESTRI_API_TOKEN && v.COMESTRI_EMAIL ? { token: v.COMESTRI_API_TOKEN, email: v.COMESTRI_EMAIL } : null,
    upstreamTimezone: v.UPSTREAM_TIMEZONE,
    artifactExposeMavenPasswords: v.ARTIFACT_EXPOSE_MAVEN_PASSWORDS,
    pipelineBatchMax: v.PIPELINE_BATCH_MAX,
    resultCacheTtlSeconds: v.RESULT_CACHE_TTL_SECONDS,
    resultCacheInvalidation: v.RESULT_CACHE_INVALIDATION,
    resultCacheStaleSeconds: staleWindows(v.RESULT_CACHE_STALE_SECONDS),
    tokenRefreshMarginSeconds: v.TOKEN_REFRESH_MARGIN_SECONDS,
    upstreamPolicy: basePolicy,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    introspection: v.GRAPHQL_INTROSPECTION ?? !production,
    persistedQueries: { enabled: v.PERSISTED_QUERIES, ttlSeconds: v.PERSISTED_QUERIES_TTL_SECONDS },
    trustedDocumentsFile: v.TRUSTED_DOCUMENTS,
    tracing: {
      exporter: v.OTEL_TRACES_EXPORTER,
      // The OTel spec's defaults: the signal URL wins, else the base endpoint + /v1/traces.
      otlpTracesUrl:
        v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
        `${(v.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`,
      serviceName: v.OTEL_SERVICE_NAME,
    },
    upstreamPolicies: parseUpstreamPolicies(env, basePolicy),
    outbound: {
      httpProxy,
      httpsProxy: v.HTTPS_PROXY ?? lowerCaseProxy(env, 'https_proxy') ?? httpProxy,
      noProxy: (v.NO_PROXY ?? env.no_proxy ?? '')
        .split(/[,\s]+/)
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      extraCaCertificates: v.UPSTREAM_CA_FILE
        ? [
            ...(v.NODE_EXTRA_CA_CERTS ? readPem('NODE_EXTRA_CA_CERTS', v.NODE_EXTRA_CA_CERTS) : []),
            ...readPem('UPSTREAM_CA_FILE', v.UPSTREAM_CA_FILE),
          ]
        : [],
    },
    operationLimits: {
      maxDepth: v.OPERATION_MAX_DEPTH,
      maxAliases: v.OPERATION_MAX_ALIASES,
      maxRootFields: v.OPERATION_MAX_ROOT_FIELDS,
      maxTokens: v.OPERATION_MAX_TOKENS,
      maxQueryBytes: v.OPERATION_MAX_QUERY_BYTES,
      maxCost: v.OPERATION_MAX_COST,
      defaultListSize: v.OPERATION_DEFAULT_LIST_SIZE,
    },
    cors: { origins: v.CORS_ORIGINS ?? [], maxAgeSeconds: v.CORS_MAX_AGE_SECONDS },
    compression: { enabled: v.COMPRESSION, minBytes: v.COMPRESSION_MIN_BYTES },
    serverTiming: v.SERVER_TIMING,
    executionEngine: v.EXECUTION_ENGINE,
    operationDeadlineMs: v.OPERATION_DEADLINE_MS,
    maxBodyBytes: v.REQUEST_MAX_BODY_BYTES,
    batching: { enabled: v.GRAPHQL_BATCHING, maxOperations: v.GRAPHQL_BATCH_MAX },
    keyPolicies: keyPoliciesFrom(v),
    endUserAuth: endUserAuthFrom(v),
    mediaLinkSecret: v.MEDIA_LINK_SECRET,
    tokenEncryptionKey: v.TOKEN_ENCRYPTION_KEY,
    redisAuth: {
      username: v.REDIS_USERNAME,
      password: v.REDIS_PASSWORD,
      tlsCa: v.REDIS_TLS_CA_FILE ? readPem('REDIS_TLS_CA_FILE', v.REDIS_TLS_CA_FILE).join('\n') : undefined,
    },
    live: {
      pollIntervalMs: v.LIVE_POLL_INTERVAL_MS,
      maxSubscriptionsPerConnection: v.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxSubscriptionsPerCaller: v.LIVE_MAX_SUBSCRIPTIONS_PER_CALLER,
      maxIdsPerSubscription: v.LIVE_MAX_IDS_PER_SUBSCRIPTION,
      maxBufferedEvents: v.LIVE_MAX_BUFFERED_EVENTS,
    },
  };
}

/** The per-upstream overrides of each policy field, e.g. `UPSTREAM_PIPELINE_DEADLINE_MS`. */
const POLICY_VARIABLES: ReadonlyArray<[keyof UpstreamPolicy, string, z.ZodType<number>]> = [
  ['deadlineMs', 'DEADLINE_MS', intIn(100, 300000)],
  ['connectTimeoutMs', 'CONNECT_TIMEOUT_MS', intIn(50, 60000)],
  ['headersTimeoutMs', 'HEADERS_TIMEOUT_MS', intIn(100, 300000)],
  ['bodyTimeoutMs', 'BODY_TIMEOUT_MS', intIn(100, 300000)],
  ['retries', 'RETRIES', intIn(0, 5)],
  ['retryBackoffMs', 'RETRY_BACKOFF_MS', intIn(0, 10000)],
  ['retryBudgetPercent', 'RETRY_BUDGET_PERCENT', intIn(0, 100)],
  ['retryBudgetMinPerSecond', 'RETRY_MIN_PER_SECOND', intIn(0, 1000)],
  ['maxRetryAfterSeconds', 'MAX_RETRY_AFTER_SECONDS', intIn(0, 120)],
  ['breakerFailureThreshold', 'BREAKER_FAILURES', intIn(1, 1000)],
  ['breakerResetMs', 'BREAKER_RESET_MS', intIn(100, 600000)],
  ['connections', 'CONNECTIONS', intIn(1, 1024)],
];

/** Each upstream's policy: its own `UPSTREAM_<NAME>_*` variables over the shared defaults. */
export function parseUpstreamPolicies(
  env: Readonly<Record<string, string | undefined>>,
  base: UpstreamPolicy,
): Record<UpstreamName, UpstreamPolicy> {
  const out = {} as Record<UpstreamName, UpstreamPolicy>;
  for (const name of UPSTREAM_NAMES) {
    const policy: UpstreamPolicy = { ...base };
    for (const [field, suffix, schema] of POLICY_VARIABLES) {
      const variable = `UPSTREAM_${name.toUpperCase()}_${suffix}`;
      const raw = env[variable];
      if (raw === undefined || raw === '') continue;
      const result = schema.safeParse(raw);
      if (!result.success) throw new ConfigError(variable, result.error.issues[0]?.message ?? 'is invalid');
      policy[field] = result.data;
    }
    out[name] = policy;
  }
  return out;
}

function lowerCaseProxy(env: Readonly<Record<string, string | undefined>>, name: 'http_proxy' | 'https_proxy'): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!proxyUrl.safeParse(raw).success) throw new ConfigError(name, 'must be an http:// or https:// proxy URL');
  return raw;
}

/** The PEM certificates of a file; a missing or certificate-less file stops the start. */
function readPem(variable: string, file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(variable, `cannot read the file ${file}`);
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!certs) throw new ConfigError(variable, `${file} holds no PEM certificate`);
  return certs;
}

function keyPoliciesFrom(v: Variables): KeyPolicies {
  try {
    return parseKeyPolicies(v.GATEWAY_API_KEY_POLICIES, {
      apiKeys: v.GATEWAY_API_KEYS ?? [],
      defaultRequestsPerMinute: v.GATEWAY_KEY_RATE_LIMIT_PER_MINUTE,
    });
  } catch (err) {
    // The parser's message names the policy entry, never a key.
    throw new ConfigError('GATEWAY_API_KEY_POLICIES', err instanceof Error ? err.message : 'is invalid');
  }
}

function endUserAuthFrom(v: Variables): EndUserAuthConfig | null {
  if (!v.AUTH_JWT_ISSUER) {
    for (const name of ['AUTH_JWT_AUDIENCE', 'AUTH_JWKS_URL', 'AUTH_JWT_CLAIMS'] as const) {
      if (v[name] !== undefined) throw new ConfigError(name, 'needs AUTH_JWT_ISSUER (end-user sign-in is off without it)');
    }
    return null;
  }
  if (!v.AUTH_JWT_AUDIENCE) throw new ConfigError('AUTH_JWT_AUDIENCE', 'is required with AUTH_JWT_ISSUER (the audience tokens must name)');
  let claims: ClaimMapping;
  try {
    claims = parseClaimMapping(v.AUTH_JWT_CLAIMS);
  } catch (err) {
    throw new ConfigError('AUTH_JWT_CLAIMS', err instanceof Error ? err.message : 'is invalid');
  }
  return {
    issuer: v.AUTH_JWT_ISSUER,
    audience: v.AUTH_JWT_AUDIENCE,
    jwksUrl: v.AUTH_JWKS_URL,
    writeScope: v.AUTH_JWT_WRITE_SCOPE,
    claims,
    requestsPerMinute: v.AUTH_JWT_RATE_LIMIT_PER_MINUTE ?? v.GATEWAY_KEY_RATE_LIMIT_PER_MINUTE,
  };
}
