import { createHash } from 'node:crypto';
import { Simulator } from './simulator';
import { huaweiError, isIdentity, mayAccess, type HuaweiIdentityStore } from './huawei-identity';
import { SIMULATED } from './defaults';

/** One element of the upstream answer, as the seed documents it (snake_case). */
export interface PipelineLatestRunBody {
  pipeline_id: string;
  pipeline_run_id: string;
  executor_id: string;
  executor_name: string;
  stage_status_list: Array<{ name: string; sequence: number; status: string; start_time: string | null; end_time: string | null }>;
  status: string;
  run_number: number;
  trigger_type: string;
  build_params: Record<string, string | null> | null;
  artifact_params: Record<string, string | null> | null;
  start_time: number;
  end_time: number | null;
  modify_url?: string;
  detail_url?: string;
}

/** The seed's example answer, served for its pipeline in its project. */
export const SEED_PIPELINE_RUN: PipelineLatestRunBody = {
  pipeline_id: 'd19799d619424b2bb2625ec2d93ea087',
  pipeline_run_id: 'ad6b7f66283a45be9c1f82b06c831e59',
  executor_id: '847a5317086c41798469d0868535943a',
  executor_name: 'Beta environment account',
  stage_status_list: [
    { name: 'Phase_1', sequence: 0, status: 'FAILED', start_time: '2023-03-04 16:48:09', end_time: '2023-03-04 16:50:11' },
  ],
  status: 'FAILED',
  run_number: 2,
  trigger_type: 'Manual',
  build_params: {
    action: null,
    build_type: 'branch',
    commit_id: 'fc93c34f906aeb1cc031e3f6f8b2baeac078ae4b',
    event_type: 'Manual',
    merge_id: null,
    message: 'init',
    source_branch: null,
    tag: null,
    target_branch: 'test-lbdsb11',
    codehub_id: '2111699716',
    git_url: 'https://example.com/clsyz00001/111.git',
  },
  artifact_params: null,
  start_time: 1677919688000,
  end_time: 1677919811000,
};

const PIPELINE_ID = /^[A-Za-z0-9]{32}$/;
const STATUSES = ['COMPLETED', 'RUNNING', 'FAILED', 'COMPLETED', 'CANCELED', 'COMPLETED', 'PAUSED'];

/** Most ids the simulated API takes in one call (the gateway chunks at PIPELINE_BATCH_MAX). */
export const SIM_PIPELINE_BATCH_LIMIT = 1000;

/**
 * Simulated CodeArts Pipeline: `POST /v5/{project_id}/api/pipelines/status`.
 *
 * Answers only pipelines that have a run, in no promised order. Every well-formed id has a
 * deterministic run except ids ending in `0000`, which have never run, and those a test marks
 * with {@link PipelineSimulator.neverRun}.
 */
export class PipelineSimulator extends Simulator {
  private readonly runs = new Map<string, PipelineLatestRunBody | null>();

  constructor(private readonly identities: HuaweiIdentityStore) {
    super('pipeline');
    this.runs.set(key(SIMULATED.codeartsProjectId, SEED_PIPELINE_RUN.pipeline_id), SEED_PIPELINE_RUN);
    this.route('POST', '/v5/:projectId/api/pipelines/status', (req) => {
      const identity = this.identities.authenticate(req);
      if (!isIdentity(identity)) return identity;
      const projectId = req.params.projectId ?? '';
      if (!/^[A-Za-z0-9]{32}$/.test(projectId)) {
        return huaweiError(400, 'DEVPIPE.00011104', 'The project ID must contain 32 characters.');
      }
      if (!mayAccess(identity, projectId)) {
        return huaweiError(403, 'DEVPIPE.00011005', 'You do not have permission to access this project.');
      }
      let ids: unknown;
      try {
        ids = req.json();
      } catch {
        return huaweiError(400, 'DEVPIPE.00011104', 'The request body must be a JSON array of pipeline IDs.');
      }
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > SIM_PIPELINE_BATCH_LIMIT) {
        return huaweiError(400, 'DEVPIPE.00011104', `The request body must be an array of 1 to ${SIM_PIPELINE_BATCH_LIMIT} pipeline IDs.`);
      }
      if (!ids.every((id): id is string => typeof id === 'string' && PIPELINE_ID.test(id))) {
        return huaweiError(400, 'DEVPIPE.00011104', 'Each pipeline ID contains 32 characters, including only letters and digits.');
      }
      const answer = ids
        .filter((id, i) => ids.indexOf(id) === i)
        .map((id) => this.runOf(projectId, id, identity.user))
        .filter((run): run is PipelineLatestRunBody => run !== null);
      return { status: 200, json: answer };
    });
  }

  /** Sets the latest run of a pipeline (or `null`: never run). */
  setRun(projectId: string, pipelineId: string, run: PipelineLatestRunBody | null): this {
    this.runs.set(key(projectId, pipelineId), run);
    return this;
  }

  neverRun(projectId: string, pipelineId: string): this {
    return this.setRun(projectId, pipelineId, null);
  }

  private runOf(projectId: string, pipelineId: string, user: string): PipelineLatestRunBody | null {
    const stored = this.runs.get(key(projectId, pipelineId));
    if (stored !== undefined) return stored;
    if (pipelineId.endsWith('0000')) return null;
    return generatedRun(projectId, pipelineId, user);
  }
}

function key(projectId: string, pipelineId: string): string {
  return `${projectId}/${pipelineId}`;
}

/** A plausible run derived from the ids alone, so answers are stable across restarts. */
function generatedRun(projectId: string, pipelineId: string, user: string): PipelineLatestRunBody {
  const h = createHash('sha256')
    .update(projectId + pipelineId)
    .digest();
  const status = STATUSES[h[0]! % STATUSES.length]!;
  const start = Date.UTC(2026, 9, 1) + (h.readUInt32BE(1) % (30 * 24 * 3600)) * 1000;
  const running = status === 'RUNNING';
  const end = running ? null : start + (60 + (h[5]! % 600)) * 1000;
  const stageTime = (ms: number | null) => (ms === null ? null : formatChinaTime(ms));
  return {
    pipeline_id: pipelineId,
    pipeline_run_id: h.subarray(6, 22).toString('hex'),
    executor_id: createHash('md5').update(user).digest('hex'),
    executor_name: user,
    stage_status_list: [
      { name: 'Build', sequence: 0, status: 'COMPLETED', start_time: stageTime(start), end_time: stageTime(start + 30_000) },
      {
        name: 'Deploy',
        sequence: 1,
        status: running ? 'RUNNING' : status === 'PAUSED' ? 'PAUSED' : status,
        start_time: stageTime(start + 30_000),
        end_time: stageTime(end),
      },
    ],
    status,
    run_number: 1 + (h[22]! % 200),
    trigger_type: h[23]! % 2 ? 'Manual' : 'Push',
    build_params: {
      action: null,
      build_type: 'branch',
      commit_id: h.subarray(0, 20).toString('hex'),
      event_type: h[23]! % 2 ? 'Manual' : 'Push',
      merge_id: null,
      message: 'simulated commit',
      source_branch: null,
      tag: null,
      target_branch: 'main',
      codehub_id: String(1000000 + h.readUInt16BE(24)),
      git_url: `https://example.com/sim/${pipelineId.slice(0, 8)}.git`,
    },
    artifact_params: null,
    start_time: start,
    end_time: end,
    detail_url: `https://devcloud.example.com/cicd/project/${projectId}/pipeline/detail/${pipelineId}`,
    modify_url: `https://devcloud.example.com/cicd/project/${projectId}/pipeline/modify/${pipelineId}`,
  };
}

/** `YYYY-MM-DD HH:mm:ss` in UTC+8, as CodeArts writes stage times. */
function formatChinaTime(ms: number): string {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
