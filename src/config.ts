import { z } from 'zod';

/**
 * The gateway's configuration, parsed and validated once from the environment by
 * {@link loadConfig}. Only `src/main.ts` reads `process.env`; everything else receives this object.
 */
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
  /** Retries of a failed read (5xx, connection error, timeout). */
  retries: number;
  /** Longest Retry-After the gateway waits for before answering UPSTREAM_RATE_LIMITED (s). */
  maxRetryAfterSeconds: number;
  /** Consecutive failures that open the circuit breaker. */
  breakerFailureThreshold: number;
  /** How long an open breaker refuses calls before letting a probe through (ms). */
  breakerResetMs: number;
  /** Most open connections to the upstream. */
  connections: number;
}

export interface GatewayConfig {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  /** Why the gateway serves from its simulated upstreams, or null when it talks to real ones. */
  simulation: null | { reason: string };
  /** Base URL of each configured upstream; absent ones are "not configured". */
  endpoints: Partial<Record<UpstreamName, string>>;
  redis: null | { url: string } | { clusterNodes: Array<{ host: string; port: number }> };
  /** Key prefix of everything the gateway writes to the cache. */
  cachePrefix: string;
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
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(hostPort).min(1, { message: 'must list at least one host:port' }))
    .optional(),
  CACHE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,40}$/, { message: 'letters, digits, : _ - only' }).default('gw'),
  GATEWAY_API_KEYS: z
    .string()
    .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
    .pipe(z.array(z.string().min(16, { message: 'each key must be at least 16 characters' })))
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
  SHUTDOWN_GRACE_MS: intIn(0, 120000).default(10000),
  GRAPHQL_INTROSPECTION: bool.optional(),
  PERSISTED_QUERIES: bool.default(true),
  PERSISTED_QUERIES_TTL_SECONDS: intIn(60, 2592000).default(86400),
  TRUSTED_DOCUMENTS: optionalString,
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: baseUrl.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: baseUrl.optional(),
  OTEL_SERVICE_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'letters, digits, . _ - only' }).default('bff-gateway'),
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

  const production = v.NODE_ENV === 'production';
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
        : null,
    cachePrefix: v.CACHE_PREFIX,
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
    resultCacheStaleSeconds: staleWindows(v.RESULT_CACHE_STALE_SECONDS),
    tokenRefreshMarginSeconds: v.TOKEN_REFRESH_MARGIN_SECONDS,
    upstreamPolicy: {
      deadlineMs: v.UPSTREAM_DEADLINE_MS,
      connectTimeoutMs: v.UPSTREAM_CONNECT_TIMEOUT_MS,
      retries: v.UPSTREAM_RETRIES,
      maxRetryAfterSeconds: v.UPSTREAM_MAX_RETRY_AFTER_SECONDS,
      breakerFailureThreshold: v.UPSTREAM_BREAKER_FAILURES,
      breakerResetMs: v.UPSTREAM_BREAKER_RESET_MS,
      connections: v.UPSTREAM_CONNECTIONS,
    },
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    introspection: v.GRAPHQL_INTROSPECTION ?? !production,
    persistedQueries: { enabled: v.PERSISTED_QUERIES, ttlSeconds: v.PERSISTED_QUERIES_TTL_SECONDS },
    trustedDocumentsFile: v.TRUSTED_DOCUMENTS,
    tracing: {
      exporter: v.OTEL_TRACES_EXPORTER,
      // The OTel spec's defaults: the signal URL wins, else the base endpoint + /v1/traces.
      otlpTracesUrl:
        v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${(v.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`,
      serviceName: v.OTEL_SERVICE_NAME,
    },
  };
}
