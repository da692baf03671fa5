import type { GatewayServices } from '../context';
import { requireApi } from '../context';
import type { HuaweiCredentials } from '../auth/huawei-auth';
import { UpstreamUnavailableError } from '../errors';
import { fetchLatestRuns } from '../upstreams/pipeline/loaders';
import { fetchJobPage, jobLookupKey, jobOfPage } from '../upstreams/job/loaders';
import { comestriCredentials } from '../upstreams/job/auth';
import { mapDeployment } from '../upstreams/deployment/mapping';
import type { Job, SoftwareDeployment } from '../generated/graphql';

/** What a subscription can watch: a pipeline's latest run, a Comestri job, an RTS deployment. */
export type LiveKind = 'pipeline' | 'job' | 'deployment';

/**
 * A set of resources polled together: one kind, one upstream identity (the hash the result
 * cache is partitioned by: a caller's own token never shares a poll with another identity), one
 * project. Every id subscribed in a topic, on any gateway process, goes out in the same poll.
 */
export interface LiveTopic {
  kind: LiveKind;
  /** Hash of the upstream identity (`HuaweiAuth.for`, `comestriCredentials`): never a credential. */
  identity: string;
  /** The project (pipelines, deployments); empty for jobs. */
  scope: string;
}

export function topicKey(topic: LiveTopic): string {
  return `${topic.kind}:${topic.identity}:${topic.scope}`;
}

/** Fetches the current state of `ids` straight from the upstream: per id its value or an Error. */
export type LiveFetch = (ids: string[], signal: AbortSignal) => Promise<Map<string, unknown>>;

/** A topic and how to poll it, built from the first subscriber's credentials. */
export interface LiveSource {
  topic: LiveTopic;
  fetch: LiveFetch;
}

/** Pipelines of one project, batched like queries: one status call per PIPELINE_BATCH_MAX ids. */
export function pipelineSource(services: GatewayServices, credentials: HuaweiCredentials, projectId: string): LiveSource {
  const client = requireApi(services, 'pipeline');
  const deps = { client, batchMax: services.config.pipelineBatchMax, timezone: services.config.upstreamTimezone };
  return {
    topic: { kind: 'pipeline', identity: credentials.identity, scope: projectId },
    fetch: (ids, signal) => fetchLatestRuns(deps, projectId, ids, credentials, signal),
  };
}

/** Comestri jobs of the configured account: one list call filtered by id per job. */
export function jobSource(services: GatewayServices): LiveSource {
  const client = requireApi(services, 'comestri');
  const account = services.config.comestri;
  if (!account) throw new UpstreamUnavailableError('comestri', 'not-configured');
  const credentials = comestriCredentials(account);
  const deps = { client, timezone: services.config.upstreamTimezone };
  return {
    topic: { kind: 'job', identity: credentials.identity, scope: '' },
    fetch: async (ids, signal) => {
      const out = new Map<string, unknown>();
      await Promise.all(
        ids.map(async (id) => {
          const page = await fetchJobPage(deps, jobLookupKey(id), credentials, signal);
          out.set(id, page instanceof Error ? page : jobOfPage(page, id));
        }),
      );
      return out;
    },
  };
}

/** RTS deployments of one project: one call per deployment (RTS has no batch call). */
export function deploymentSource(services: GatewayServices, credentials: HuaweiCredentials, projectId: string): LiveSource {
  const client = requireApi(services, 'rts');
  const zone = services.config.upstreamTimezone;
  return {
    topic: { kind: 'deployment', identity: credentials.identity, scope: projectId },
    fetch: async (ids, signal) => {
      const out = new Map<string, unknown>();
      await Promise.all(
        ids.map(async (id) => {
          try {
            const row = await client.getDeployment(projectId, id, credentials, signal);
            out.set(id, row === null ? null : mapDeployment(row, zone));
          } catch (err) {
            out.set(id, err instanceof Error ? err : new Error(String(err)));
          }
        }),
      );
      return out;
    },
  };
}

const FINAL_JOB_STATUSES: ReadonlySet<Job['status']> = new Set(['COMPLETE', 'CANCELED', 'FAIL_TO_RECEIVE', 'FAIL_TO_PROCESS']);
const FINAL_DEPLOYMENT_STATUSES: ReadonlySet<SoftwareDeployment['status']> = new Set(['COMPLETE', 'FAILED']);

/** Whether a value is a final state: its subscription sends it and completes. Pipelines run again: never final. */
export function isFinalState(kind: LiveKind, value: unknown): boolean {
  if (!value || typeof value !== 'object' || value instanceof Error) return false;
  if (kind === 'job') return FINAL_JOB_STATUSES.has((value as Job).status);
  if (kind === 'deployment') return FINAL_DEPLOYMENT_STATUSES.has((value as SoftwareDeployment).status);
  return false;
}
