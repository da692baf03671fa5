import type { Resolvers } from '../generated/graphql';
import { badUserInput, toGraphQLError } from '../errors';
import type { GatewayContext } from '../context';
import type { LatestRun } from '../upstreams/pipeline/loaders';

const PIPELINE_ID = /^[A-Za-z0-9]{32}$/;

/** What a `Pipeline` resolves from: its ids and its already-loaded latest run (or the error). */
export interface PipelineParent {
  id: string;
  projectId: string;
  run: LatestRun | Error;
}

export function projectOf(ctx: GatewayContext, projectId: string | null | undefined): string {
  const project = projectId ?? ctx.services.config.huawei.codeartsProjectId;
  if (!project) throw badUserInput('projectId is required: no default CodeArts project (CODEARTS_PROJECT_ID) is configured');
  if (!/^[A-Za-z0-9]{32}$/.test(project)) {
    throw badUserInput(`projectId must be 32 letters and digits, got ${JSON.stringify(project.slice(0, 64))}`, { argument: 'projectId' });
  }
  return project;
}

export function checkIds(ids: readonly string[], argument: string): void {
  const bad = ids.find((id) => !PIPELINE_ID.test(id));
  if (bad !== undefined) {
    throw badUserInput(`${argument}: a pipeline id is 32 letters and digits, got ${JSON.stringify(bad.slice(0, 64))}`, {
      argument,
    });
  }
}

async function loadPipelines(ctx: GatewayContext, projectId: string, ids: readonly string[]): Promise<PipelineParent[]> {
  const runs = await ctx.loaders.pipeline.latestRun.loadMany(ids.map((pipelineId) => ({ projectId, pipelineId })));
  // When the upstream call failed for every id, answer one error for the field instead of one per pipeline.
  const first = runs[0];
  if (first instanceof Error && runs.every((r) => r === first)) throw toGraphQLError(first);
  return ids.map((id, i) => ({ id, projectId, run: runs[i] ?? null }));
}

export const pipelineResolvers: Resolvers = {
  Query: {
    async pipeline(_root, { projectId, id }, ctx) {
      checkIds([id], 'id');
      const [pipeline] = await loadPipelines(ctx, projectOf(ctx, projectId), [id]);
      return pipeline ?? null;
    },
    async pipelines(_root, { projectId, ids }, ctx) {
      checkIds(ids, 'ids');
      if (ids.length === 0) return [];
      return loadPipelines(ctx, projectOf(ctx, projectId), ids);
    },
  },
  Pipeline: {
    latestRun(parent) {
      if (parent.run instanceof Error) throw toGraphQLError(parent.run);
      return parent.run;
    },
  },
};
