import DataLoader from 'dataloader';
import type { PipelineRun } from '../../generated/graphql';
import type { HuaweiCredentials } from '../../auth/huawei-auth';
import type { ResultCache } from '../../cache/result-cache';
import type { Metrics } from '../../observability/metrics';
import type { PipelineClient } from './client';
import { mapPipelineRun, pipelineIdOf } from './mapping';
import type { SignalSource } from '../../runtime/cancellation';

export interface PipelineKey {
  projectId: string;
  pipelineId: string;
}

export interface PipelineLoaderDeps {
  client: PipelineClient;
  results: ResultCache;
  metrics: Metrics;
  /** Most ids in one status call (PIPELINE_BATCH_MAX). */
  batchMax: number;
  /** Shared-cache TTL of a latest run (s). */
  ttlSeconds: number;
  timezone: string;
}

/** `null`: the pipeline has never run. */
export type LatestRun = PipelineRun | null;

/**
 * Latest runs of `pipelineIds` of one project, straight from the upstream (no cache): one status
 * call per `batchMax` ids, all at once. Per id: its run, `null` (never run) or the call's error.
 * The per-request loader below and live subscriptions (src/live/) both fetch through here.
 */
export async function fetchLatestRuns(
  deps: Pick<PipelineLoaderDeps, 'client' | 'batchMax' | 'timezone'>,
  projectId: string,
  pipelineIds: readonly string[],
  credentials: HuaweiCredentials,
  signal?: AbortSignal,
): Promise<Map<string, LatestRun | Error>> {
  const out = new Map<string, LatestRun | Error>();
  const chunks: string[][] = [];
  for (let i = 0; i < pipelineIds.length; i += deps.batchMax) chunks.push(pipelineIds.slice(i, i + deps.batchMax));
  await Promise.all(
    chunks.map(async (chunk) => {
      let answer: unknown[];
      try {
        answer = await deps.client.batchLatestStatus(projectId, chunk, credentials, signal);
      } catch (err) {
        for (const id of chunk) out.set(id, err as Error);
        return;
      }
      const byId = new Map<string, unknown>();
      for (const row of answer) {
        const id = pipelineIdOf(row);
        if (id) byId.set(id, row);
      }
      for (const id of chunk) {
        const row = byId.get(id);
        // Only pipelines with a run are returned: absence means "never run".
        out.set(id, row === undefined ? null : mapPipelineRun(row, deps.timezone));
      }
    }),
  );
  return out;
}

/**
 * Per-request loader of pipelines' latest runs. However many pipelines one operation asks for,
 * through any field, one batch sends one status call per project for every `batchMax` distinct
 * ids, after serving what the shared cache already holds for this credential.
 */
export function createPipelineLoaders(deps: PipelineLoaderDeps, credentials: HuaweiCredentials, cancel?: SignalSource) {
  const scope = { namespace: 'pipeline-status', identity: credentials.identity };

  async function loadProject(projectId: string, pipelineIds: string[]): Promise<Map<string, LatestRun | Error>> {
    // Shared cache (stale-while-revalidate) first; the misses of this request and of every
    // concurrent request for the same credential go out together (see ResultCache.loadMany).
    const values = await deps.results.loadMany<LatestRun>(
      scope,
      pipelineIds.map((id) => `${projectId}/${id}`),
      { upstream: 'pipeline', ttlSeconds: deps.ttlSeconds, cancel },
      async (cacheIds, callSignal) => {
        const fetched = await fetchLatestRuns(
          deps,
          projectId,
          cacheIds.map((c) => c.slice(projectId.length + 1)),
          credentials,
          callSignal,
        );
        return new Map([...fetched].map(([id, run]) => [`${projectId}/${id}`, run]));
      },
    );
    return new Map(pipelineIds.map((id, i) => [id, values[i] as LatestRun | Error]));
  }

  const latestRun = new DataLoader<PipelineKey, LatestRun, string>(
    async (keys) => {
      deps.metrics.observeBatch('pipeline.latestRun', keys.length);
      const byProject = new Map<string, string[]>();
      for (const { projectId, pipelineId } of keys) {
        const ids = byProject.get(projectId) ?? [];
        ids.push(pipelineId);
        byProject.set(projectId, ids);
      }
      const results = new Map<string, Map<string, LatestRun | Error>>();
      await Promise.all([...byProject].map(async ([projectId, ids]) => results.set(projectId, await loadProject(projectId, ids))));
      return keys.map(({ projectId, pipelineId }) => {
        const answers = results.get(projectId);
        return answers?.has(pipelineId)
          ? (answers.get(pipelineId) as LatestRun | Error)
          : new Error(`pipeline ${pipelineId} was not loaded`);
      });
    },
    { cacheKeyFn: (k) => `${k.projectId}/${k.pipelineId}`, maxBatchSize: Number.POSITIVE_INFINITY },
  );

  return { latestRun };
}

export type PipelineLoaders = ReturnType<typeof createPipelineLoaders>;
