import DataLoader from 'dataloader';
import type {
  ArtifactFile,
  AuditLog,
  FollowedArtifact,
  MavenRepository,
  RepositoryStorage,
  StorageSnapshot,
  StorageUsage,
  Artifact,
} from '../../generated/graphql';
import type { HuaweiCredentials } from '../../auth/huawei-auth';
import type { ResultCache } from '../../cache/result-cache';
import type { Metrics } from '../../observability/metrics';
import { UpstreamHttpError } from '../../errors';
import type { ArtifactClient, RepositoryListQuery } from './client';
import {
  mapArtifact,
  mapArtifactFile,
  mapAuditLog,
  mapFileTree,
  mapFollowedArtifact,
  mapMavenRepository,
  mapRepository,
  mapRepositoryStorage,
  mapRows,
  mapStorageSnapshot,
  mapStorageUsage,
  readAuditPage,
  readFollowedPage,
  readRepositoryPage,
  readSearchHits,
  regionOfRepositoryId,
  type FileTreeModel,
  type MappedRows,
  type RepositoryModel,
} from './mapping';
import type { SignalSource } from '../../runtime/cancellation';

export interface ArtifactLoaderDeps {
  client: ArtifactClient;
  results: ResultCache;
  metrics: Metrics;
  /** Shared-cache TTL (s). */
  ttlSeconds: number;
  /** Zone of the upstream's zone-less times. */
  timezone: string;
  /** Tenant (domain) id in the paths that carry one (HUAWEI_DOMAIN_ID). */
  tenantId: string;
  exposeMavenPasswords: boolean;
}

/**
 * Groups of cached reads; a mutation invalidates the groups it makes stale.
 * - `artifact-repository`: one repository's view (a cached "missing" too, so creation invalidates it)
 * - `artifact-repository-list`: repository pages and project repository lists
 * - `artifact-storage`: per-repository statistics, tenant usage, capacity trend
 * - `artifact-files`: file trees, file details, both searches
 * - `artifact-follow`: the following list
 * Audit logs and Maven accounts are never in the shared cache (the first must be fresh, the
 * second holds passwords).
 */
export type ArtifactCacheGroup =
  'artifact-repository' | 'artifact-repository-list' | 'artifact-storage' | 'artifact-files' | 'artifact-follow';

/** One upstream page after mapping: its rows with absolute positions, those left out, and counts. */
export interface Page<T> extends MappedRows<T> {
  /** Upstream total, or null where the upstream gives none (searches). */
  total: number | null;
  /** Rows the upstream returned on this page, left-out ones included. */
  count: number;
}

/** One upstream page of the repository list, in one project. */
export type RepositoryPageKey = RepositoryListQuery & { projectId: string };

export interface SearchPageKey {
  by: 'name' | 'checksum';
  term: string;
  format?: string;
  projectId?: string;
  pageNo: number;
  pageSize: number;
}

export interface StorageKey {
  repositoryId: string;
  projectId: string;
}

export interface FileKey {
  projectId: string;
  repositoryId: string;
  path: string;
  instanceId?: string;
}

export interface MavenInfoKey {
  projectId?: string;
  policy?: string;
  access?: string;
  includeDefault?: boolean;
  ids?: string[];
}

/** Most upstream calls one batch keeps in flight (per loader). */
const CONCURRENCY = 8;

/** A lookup of something the upstream does not have answers null (a 404, or an empty result). */
async function orNullOn404<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof UpstreamHttpError && err.statusCode === 404) return null;
    throw err;
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await run(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The same string for equal keys whatever their property order; properties set to undefined
 * count as absent. Hand-written rather than JSON.stringify with a replacer: it runs for every
 * key of every load (once: it is both DataLoader's key and the cache's id).
 */
function stableKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableKey).join(',')}]`;
  const record = value as Record<string, unknown>;
  let out = '';
  for (const k of sortInPlace(Object.keys(record))) {
    if (record[k] === undefined) continue;
    out += `${out ? ',' : ''}${JSON.stringify(k)}:${stableKey(record[k])}`;
  }
  return `{${out}}`;
}

/** Sorts a few strings where they are (an insertion sort: Array#sort allocates its work space on every call). */
function sortInPlace(items: string[]): string[] {
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as string;
    let j = i - 1;
    for (; j >= 0 && (items[j] as string) > item; j--) items[j + 1] = items[j] as string;
    items[j + 1] = item;
  }
  return items;
}

/** A per-request loader of one kind of key: loads of one tick go out as one batch. */
export interface KeyedLoader<K, V> {
  load(key: K): Promise<V>;
}

/** A mapped value, or the mapping's error thrown (a single lookup has no siblings to spare). */
function failOn<T>(value: T): Exclude<T, Error> {
  if (value instanceof Error) throw value;
  return value as Exclude<T, Error>;
}

/** Rows of a list answer mapped one by one; unreadable ones are left out, not thrown. */
function mapEach<T>(items: readonly unknown[], firstPosition: number, map: (row: unknown) => T): MappedRows<Exclude<T, Error>> {
  return mapRows(items, firstPosition, map as (row: unknown) => Exclude<T, Error> | Error);
}

/**
 * Per-request loaders of CodeArts Artifact reads. Each dedupes what one operation asks for; most
 * also read through the shared result cache (scoped by the caller's upstream identity, with
 * stale-while-revalidate and cross-request coalescing), so a warm repeat costs no upstream call.
 * Each upstream call serves one key: the API has no batch endpoints, so "batched" means one call
 * per distinct key of the whole operation, never one per field.
 */
export function createArtifactLoaders(deps: ArtifactLoaderDeps, credentials: HuaweiCredentials, cancel?: SignalSource) {
  const { client, timezone: zone } = deps;
  const scope = (namespace: ArtifactCacheGroup) => ({ namespace, identity: credentials.identity });
  const all: Array<DataLoader<string, unknown, string>> = [];

  /**
   * A loader whose batch goes through the shared result cache (fresh and stale-while-revalidate
   * hits, in-flight reads of concurrent requests shared, misses loaded CONCURRENCY at a time), or
   * straight to the upstream for a group of `null` (never shared).
   */
  function loader<K, V>(
    name: string,
    group: ArtifactCacheGroup | null,
    load: (key: K, signal?: AbortSignal) => Promise<V>,
  ): KeyedLoader<K, V> {
    // Keyed by the key's canonical text, computed once per load; the key itself is kept for the upstream call.
    const keyOf = new Map<string, K>();
    const dl = new DataLoader<string, V, string>(
      async (ids) => {
        deps.metrics.observeBatch(`artifact.${name}`, ids.length);
        const fetch = async (wanted: readonly string[], callSignal?: AbortSignal): Promise<Map<string, V | Error>> => {
          const out = new Map<string, V | Error>();
          await forEachLimited(wanted, CONCURRENCY, async (id) => {
            try {
              out.set(id, await load(keyOf.get(id) as K, callSignal));
            } catch (err) {
              out.set(id, err instanceof Error ? err : new Error(String(err)));
            }
          });
          return out;
        };
        if (!group) {
          const answers = await fetch(ids, cancel?.signal);
          return ids.map((id) => answers.get(id) as V | Error);
        }
        return deps.results.loadMany<V>(scope(group), ids, { upstream: 'artifact', ttlSeconds: deps.ttlSeconds, cancel }, fetch);
      },
      { maxBatchSize: 200 },
    );
    all.push(dl);
    return {
      load(key) {
        const id = stableKey(key);
        if (!keyOf.has(id)) keyOf.set(id, key);
        return dl.load(id);
      },
    };
  }

  const repository = loader<string, RepositoryModel | null>('repository', 'artifact-repository', (id, sig) =>
    orNullOn404(async () => {
      const { result } = await client.viewRepository(id, credentials, sig);
      return result === null ? null : failOn(mapRepository(result, zone));
    }),
  );

  const storage = loader<StorageKey, RepositoryStorage | null>('storage', 'artifact-storage', ({ repositoryId, projectId }, sig) =>
    orNullOn404(async () => {
      const region = regionOfRepositoryId(repositoryId);
      if (!region) return null;
      const { result } = await client.repositoryStatistics(deps.tenantId, projectId, repositoryId, region, credentials, sig);
      return result === null ? null : failOn(mapRepositoryStorage(result));
    }),
  );

  const repositoryPage = loader<RepositoryPageKey, Page<RepositoryModel>>('repositoryPage', 'artifact-repository-list', async (k, sig) => {
    const { projectId, ...query } = k;
    const { result } = await client.listRepositories(deps.tenantId, projectId, query, credentials, sig);
    const page = failOn(readRepositoryPage(result));
    const mapped = mapEach(page.items, (k.pageNo - 1) * k.pageSize, (row) => mapRepository(row, zone));
    return { total: page.total, count: page.items.length, ...mapped };
  });

  const projectRepositories = loader<string, MappedRows<RepositoryModel>>(
    'projectRepositories',
    'artifact-repository-list',
    async (projectId, sig) => {
      const { result } = await client.projectRepositories(projectId, credentials, sig);
      return mapEach(Array.isArray(result) ? result : [], 0, (row) => mapRepository(row, zone));
    },
  );

  // Never in the shared cache: rows may carry deploy passwords.
  const mavenRepositories = loader<MavenInfoKey, MappedRows<MavenRepository>>('mavenRepositories', null, async (k, sig) => {
    const { result } = await client.mavenInfo(k, credentials, sig);
    return mapEach(Array.isArray(result) ? result : [], 0, (row) => mapMavenRepository(row, deps.exposeMavenPasswords));
  });

  const searchPage = loader<SearchPageKey, Page<Artifact>>('searchPage', 'artifact-files', async (k, sig) => {
    const query = { pageNo: k.pageNo, pageSize: k.pageSize, format: k.format, projectId: k.projectId };
    const { result } =
      k.by === 'name'
        ? await client.searchByName(k.term, query, credentials, sig)
        : await client.searchByChecksum(k.term, query, credentials, sig);
    const hits = failOn(readSearchHits(result));
    return { total: null, count: hits.length, ...mapEach(hits, (k.pageNo - 1) * k.pageSize, (row) => mapArtifact(row, zone)) };
  });

  const fileTree = loader<FileKey & { inRecycleBin?: boolean }, FileTreeModel | null>('fileTree', 'artifact-files', (k, sig) =>
    orNullOn404(async () => {
      const { result } = await client.fileTree(
        deps.tenantId,
        k.projectId,
        k.repositoryId,
        { path: k.path, inRecycleBin: k.inRecycleBin, instanceId: k.instanceId },
        credentials,
        sig,
      );
      return result === null ? null : failOn(mapFileTree(result, zone));
    }),
  );

  const fileDetail = loader<FileKey & { format: string }, ArtifactFile | null>('fileDetail', 'artifact-files', (k, sig) =>
    orNullOn404(async () => {
      const { result } = await client.fileDetail(
        deps.tenantId,
        k.projectId,
        k.repositoryId,
        { path: k.path, format: k.format, instanceId: k.instanceId },
        credentials,
        sig,
      );
      return result === null ? null : failOn(mapArtifactFile(result, zone));
    }),
  );

  const storageUsage = loader<{ formatList?: string[]; inProject?: boolean }, StorageUsage>(
    'storageUsage',
    'artifact-storage',
    async (k, sig) => {
      const { result } = await client.storageUsage(k, credentials, sig);
      return failOn(mapStorageUsage(result));
    },
  );

  const storageTrend = loader<
    { projectId: string; repo?: string; startTime?: string; endTime?: string; instanceId?: string },
    MappedRows<StorageSnapshot> | null
  >('storageTrend', 'artifact-storage', ({ projectId, ...q }, sig) =>
    orNullOn404(async () => {
      const { result } = await client.storageTrend(deps.tenantId, projectId, q, credentials, sig);
      return mapEach(Array.isArray(result) ? result : [], 0, mapStorageSnapshot);
    }),
  );

  const auditPage = loader<
    { projectId: string; module: string; repositoryId: string; pageNo: number; pageSize: number; userId?: string; instanceId?: string },
    Page<AuditLog> | null
  >('auditPage', null, (k, sig) =>
    orNullOn404(async () => {
      const { result } = await client.auditLogs(
        deps.tenantId,
        k.projectId,
        k.module,
        k.repositoryId,
        { pageNum: k.pageNo, pageSize: k.pageSize, userId: k.userId, instanceId: k.instanceId },
        credentials,
        sig,
      );
      const page = failOn(readAuditPage(result));
      return {
        total: page.total,
        count: page.items.length,
        ...mapEach(page.items, (k.pageNo - 1) * k.pageSize, (row) => mapAuditLog(row, zone)),
      };
    }),
  );

  const followedPage = loader<{ projectId?: string; pageNo: number; pageSize: number }, Page<FollowedArtifact>>(
    'followedPage',
    'artifact-follow',
    async (k, sig) => {
      const { result } = await client.followedArtifacts(k, credentials, sig);
      const page = failOn(readFollowedPage(result));
      return {
        total: page.total,
        count: page.items.length,
        ...mapEach(page.items, (k.pageNo - 1) * k.pageSize, (row) => mapFollowedArtifact(row, zone)),
      };
    },
  );

  return {
    tenantId: deps.tenantId,
    credentials,
    /** The request's cancellation, for the mutations (commands.ts). */
    cancel,
    repository,
    storage,
    repositoryPage,
    projectRepositories,
    mavenRepositories,
    searchPage,
    fileTree,
    fileDetail,
    storageUsage,
    storageTrend,
    auditPage,
    followedPage,
    /**
     * After a mutation: makes the shared cache's entries of `groups` stale for this identity and
     * forgets what this request already loaded (a later field of the same operation reads anew).
     */
    async invalidate(groups: readonly ArtifactCacheGroup[]): Promise<void> {
      for (const dl of all) dl.clearAll();
      await Promise.all(groups.map((g) => deps.results.invalidate(scope(g))));
    },
  };
}

export type ArtifactLoaders = ReturnType<typeof createArtifactLoaders>;
