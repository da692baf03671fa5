import { z } from 'zod';
import type { PipelineRun, PipelineRunStatus, PipelineStageStatus, BuildParams, ArtifactParams } from '../../generated/graphql';
import { UpstreamBadResponseError } from '../../errors';
import { toUtcIso } from '../../time';

const RUN_STATUSES: readonly PipelineRunStatus[] = ['COMPLETED', 'RUNNING', 'FAILED', 'CANCELED', 'PAUSED', 'SUSPEND', 'IGNORED'];
const STAGE_STATUSES: readonly PipelineStageStatus[] = [
  'INIT',
  'QUEUED',
  'RUNNING',
  'CANCELED',
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'IGNORED',
  'PAUSED',
  'SUSPEND',
  'ASYNC_RUNNING',
  'ASYNC_FAILED',
  'UNSELECTED',
  'REDISPATCH',
];

const text = z.union([z.string(), z.number()]).transform(String).nullish();
const time = z.union([z.string(), z.number()]).nullish();

/** One element of the status answer, as far as the gateway relies on it. */
const LatestRunBody = z.object({
  pipeline_id: z.string().min(1),
  pipeline_run_id: z.string().nullish(),
  executor_id: text,
  executor_name: text,
  status: z.string().nullish(),
  run_number: z.number().int().nullish(),
  trigger_type: text,
  start_time: time,
  end_time: time,
  detail_url: text,
  modify_url: text,
  stage_status_list: z
    .array(
      z.object({
        name: z.string().nullish(),
        sequence: z.number().int().nullish(),
        status: z.string().nullish(),
        start_time: time,
        end_time: time,
      }),
    )
    .nullish(),
  build_params: z.record(z.string(), z.unknown()).nullish(),
  artifact_params: z.record(z.string(), z.unknown()).nullish(),
});

function enumOf<T extends string>(allowed: readonly T[], value: string | null | undefined): T | 'UNKNOWN' {
  const upper = value?.toUpperCase();
  return allowed.find((a) => a === upper) ?? 'UNKNOWN';
}

function str(record: Record<string, unknown> | null | undefined, key: string): string | null {
  const v = record?.[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

function mapBuildParams(p: Record<string, unknown> | null | undefined): BuildParams | null {
  if (!p) return null;
  return {
    action: str(p, 'action'),
    buildType: str(p, 'build_type'),
    commitId: str(p, 'commit_id'),
    eventType: str(p, 'event_type'),
    mergeId: str(p, 'merge_id'),
    message: str(p, 'message'),
    sourceBranch: str(p, 'source_branch'),
    tag: str(p, 'tag'),
    targetBranch: str(p, 'target_branch'),
    codehubId: str(p, 'codehub_id'),
    gitUrl: str(p, 'git_url'),
    sourceCodehubId: str(p, 'source_codehub_id'),
    sourceCodehubUrl: str(p, 'source_codehub_url'),
    sourceCodehubHttpUrl: str(p, 'source_codehub_http_url'),
  };
}

function mapArtifactParams(p: Record<string, unknown> | null | undefined): ArtifactParams | null {
  if (!p) return null;
  return {
    version: str(p, 'version'),
    branchFilter: str(p, 'branch_filter'),
    packageName: str(p, 'package_name'),
    organization: str(p, 'organization'),
  };
}

/** The pipeline id an answer element is about, or undefined when it has none. */
export function pipelineIdOf(body: unknown): string | undefined {
  const id = (body as { pipeline_id?: unknown } | null)?.pipeline_id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Maps one upstream element to the schema's PipelineRun; returns an Error (not a throw) when the
 * element cannot be read, so one bad row fails only its own pipeline.
 */
export function mapPipelineRun(body: unknown, zone: string): PipelineRun | UpstreamBadResponseError {
  const parsed = LatestRunBody.safeParse(body);
  if (!parsed.success)
    return new UpstreamBadResponseError('pipeline', `unreadable pipeline run at ${parsed.error.issues[0]?.path.join('.') ?? '?'}`);
  const r = parsed.data;
  const startTime = toUtcIso(r.start_time, zone);
  const endTime = toUtcIso(r.end_time, zone);
  const status = enumOf(RUN_STATUSES, r.status);
  return {
    id: r.pipeline_run_id ?? `${r.pipeline_id}:${r.run_number ?? 0}`,
    pipelineId: r.pipeline_id,
    status,
    runNumber: r.run_number ?? 0,
    triggerType: r.trigger_type ?? null,
    executorId: r.executor_id ?? null,
    executorName: r.executor_name ?? null,
    startTime,
    endTime,
    durationSeconds: startTime && endTime && status !== 'RUNNING' ? (Date.parse(endTime) - Date.parse(startTime)) / 1000 : null,
    stages: (r.stage_status_list ?? [])
      .map((s, i) => ({
        name: s.name ?? `stage ${i}`,
        sequence: s.sequence ?? i,
        status: enumOf(STAGE_STATUSES, s.status),
        startTime: toUtcIso(s.start_time, zone),
        endTime: toUtcIso(s.end_time, zone),
      }))
      .sort((a, b) => a.sequence - b.sequence),
    buildParams: mapBuildParams(r.build_params),
    artifactParams: mapArtifactParams(r.artifact_params),
    detailUrl: r.detail_url ?? null,
    modifyUrl: r.modify_url ?? null,
  };
}
