import type { ApolloServerPlugin, PersistedQueryOptions } from '@apollo/server';
import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { Cache } from '../cache/cache';
import type { GatewayConfig } from '../config';
import type { GatewayContext } from '../context';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { TrustedDocuments, trustedDocumentsPlugin } from './trusted-documents';

export interface PersistedQueryCacheOptions {
  cache: Cache;
  /** The gateway's key prefix (CACHE_PREFIX): entries are `<prefix>:apq:<sha256>`. */
  prefix: string;
  /** TTL of an entry when Apollo gives none (s). */
  ttlSeconds: number;
  metrics: Metrics;
}

/**
 * Apollo Server's `persistedQueries.cache` over the gateway's {@link Cache}: with Redis every
 * gateway process shares the registered queries, so a client that registered a query on one
 * instance sends only its hash to all of them.
 *
 * Apollo prefixes its keys with `apq:`; this adds the gateway's own prefix. Each key stands
 * alone (no hash tag): APQ entries spread over a Redis Cluster like any single-key value.
 * A cache that is down answers "miss": the client then sends the full query, which still runs.
 * Lookups are counted as `gateway_cache_lookups_total{layer="apq"}`.
 */
export class PersistedQueryCache implements KeyValueCache<string> {
  constructor(private readonly options: PersistedQueryCacheOptions) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.options.cache.get(this.key(key));
    this.options.metrics.cacheLookups.inc({ layer: 'apq', result: value === undefined ? 'miss' : 'hit' });
    return value;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttlSeconds = options?.ttl ?? this.options.ttlSeconds;
    await this.options.cache.set(this.key(key), value, ttlSeconds * 1000);
  }

  async delete(key: string): Promise<void> {
    await this.options.cache.delete(this.key(key));
  }

  private key(apolloKey: string): string {
    return `${this.options.prefix}:${apolloKey}`;
  }
}

export interface PersistedQuerySetup {
  /** Apollo Server's `persistedQueries` option. */
  persistedQueries: PersistedQueryOptions | false;
  /** Plugins the mode needs (the trusted-documents gate). */
  plugins: Array<ApolloServerPlugin<GatewayContext>>;
  /** The safelist, when one is configured: live subscriptions are held to it too (src/live/operation.ts). */
  trustedDocuments?: TrustedDocuments;
}

/**
 * Persisted queries as configured: trusted documents when a manifest is named (only listed
 * operations run, looked up by the same APQ ids), else automatic persisted queries in the
 * shared cache, else none.
 */
export function createPersistedQuerySetup(options: {
  config: Pick<GatewayConfig, 'persistedQueries' | 'trustedDocumentsFile' | 'cachePrefix'>;
  cache: Cache;
  metrics: Metrics;
  logger: Logger;
}): PersistedQuerySetup {
  const { config } = options;
  if (config.trustedDocumentsFile) {
    const documents = TrustedDocuments.fromFile(config.trustedDocumentsFile);
    return {
      persistedQueries: { cache: documents.asPersistedQueryStore(), ttl: null },
      plugins: [trustedDocumentsPlugin(documents, options.logger)],
      trustedDocuments: documents,
    };
  }
  if (!config.persistedQueries.enabled) return { persistedQueries: false, plugins: [] };
  return {
    persistedQueries: {
      cache: new PersistedQueryCache({
        cache: options.cache,
        prefix: config.cachePrefix,
        ttlSeconds: config.persistedQueries.ttlSeconds,
        metrics: options.metrics,
      }),
      ttl: config.persistedQueries.ttlSeconds,
    },
    plugins: [],
  };
}
