import DataLoader from 'dataloader';
import type { SoftwareDeployment } from '../../generated/graphql';
import type { HuaweiCredentials } from '../../auth/huawei-auth';
import type { ResultCache } from '../../cache/result-cache';
import type { Metrics } from '../../observability/metrics';
import type { RtsClient } from './client';
import { mapDeployment } from './mapping';
import { toError, UpstreamBadResponseError } from '../../errors';
import type { SignalSource } from '../../runtime/cancellation';

export interface RtsLoaderDeps {
  client: RtsClient;
  results: ResultCache;
  metrics: Metrics;
  /** Shared-cache TTL of a list or a deployment (s). */
  ttlSeconds: number;
  /** Zone of upstream times that carry none. */
  timezone: string;
}

export interface DeploymentListKey {
  projectId: string;
  /** Only this server's deployments; all of the project's when absent. */
  serverId?: string;
}

export interface DeploymentKey {
  projectId: string;
  id: string;
}

/** A list answer: one entry per upstream element, an Error where the element cannot be read. */
export type DeploymentList = Array<SoftwareDeployment | Error>;

/** What the shared cache holds for a list: an element that cannot be read is kept as its reason. */
type CachedList = Array<SoftwareDeployment | { unreadable: string }>;

/**
 * Per-request loaders of RTS software deployments, through the shared cache for this credential
 * (stale-while-revalidate for RTS, identical in-flight reads of concurrent requests coalesced).
 * RTS has no batch call, so the loaders dedupe: two fields asking for the same list or the same
 * id in one operation cost one call.
 */
export function createRtsLoaders(deps: RtsLoaderDeps, credentials: HuaweiCredentials, cancel?: SignalSource) {
  const scope = { namespace: 'rts-deployments', identity: credentials.identity };
  const options = { upstream: 'rts' as const, ttlSeconds: deps.ttlSeconds, cancel };
  const listIdOf = (k: DeploymentListKey) => `list:${k.projectId}:${k.serverId ?? '*'}`;
  const oneIdOf = (k: DeploymentKey) => `one:${k.projectId}:${k.id}`;

  /** Each cache id fetched with its own call; a failed call answers its error for that id only. */
  function fetchEach<K, V>(byId: Map<string, K>, fetch: (key: K, signal: AbortSignal) => Promise<V>) {
    return async (ids: string[], callSignal: AbortSignal): Promise<Map<string, V | Error>> => {
      const out = new Map<string, V | Error>();
      await Promise.all(
        ids.map(async (id) => {
          const key = byId.get(id);
          if (key === undefined) return;
          try {
            out.set(id, await fetch(key, callSignal));
          } catch (err) {
            out.set(id, toError(err));
          }
        }),
      );
      return out;
    };
  }

  const list = new DataLoader<DeploymentListKey, DeploymentList, string>(
    async (keys) => {
      deps.metrics.observeBatch('rts.list', keys.length);
      const byId = new Map(keys.map((k) => [listIdOf(k), k]));
      const lists = await deps.results.loadMany<CachedList>(
        scope,
        keys.map(listIdOf),
        options,
        fetchEach(byId, async ({ projectId, serverId }, callSignal): Promise<CachedList> => {
          const rows = await deps.client.listDeployments(projectId, serverId, credentials, callSignal);
          return rows.map((row) => {
            const mapped = mapDeployment(row, deps.timezone);
            return mapped instanceof Error ? { unreadable: mapped.detail } : mapped;
          });
        }),
      );
      return lists.map((l) =>
        l instanceof Error ? l : l.map((d) => ('unreadable' in d ? new UpstreamBadResponseError('rts', d.unreadable) : d)),
      );
    },
    { cacheKeyFn: listIdOf },
  );

  /** `null`: RTS does not know the deployment (404), cached like any answer. */
  const deployment = new DataLoader<DeploymentKey, SoftwareDeployment | null, string>(
    async (keys) => {
      deps.metrics.observeBatch('rts.deployment', keys.length);
      const byId = new Map(keys.map((k) => [oneIdOf(k), k]));
      return deps.results.loadMany<SoftwareDeployment | null>(
        scope,
        keys.map(oneIdOf),
        options,
        fetchEach(byId, async ({ projectId, id }, callSignal) => {
          const row = await deps.client.getDeployment(projectId, id, credentials, callSignal);
          if (row === null) return null;
          const mapped = mapDeployment(row, deps.timezone);
          if (mapped instanceof Error) throw mapped;
          return mapped;
        }),
      );
    },
    { cacheKeyFn: oneIdOf },
  );

  return { list, deployment };
}

export type RtsLoaders = ReturnType<typeof createRtsLoaders>;
