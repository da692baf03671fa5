import { GraphQLError } from 'graphql';
import type { Job, Resolvers, SoftwareDeployment, SubscriptionPipelineRunsArgs } from '../generated/graphql';
import type { GatewayContext } from '../context';
import { badUserInput } from '../errors';
import { callerLabel } from '../auth/authenticate';
import type { LiveHub } from '../live/live-hub';
import { liveLimitError } from '../live/live-hub';
import type { LiveEvent } from '../live/live-subscription';
import { deploymentSource, jobSource, pipelineSource } from '../live/sources';
import type { LatestRun } from '../upstreams/pipeline/loaders';
import { checkIds, projectOf as pipelineProjectOf, type PipelineParent } from './pipeline';
import { checkUuid, projectOf as deploymentProjectOf } from './deployment';
import { checkJobId } from './job';

function hubOf(ctx: GatewayContext): LiveHub {
  const hub = ctx.services.live;
  if (!hub) throw new GraphQLError('Live updates are not available on this gateway', { extensions: { code: 'BAD_REQUEST' } });
  return hub;
}

/** The subscribed value, or the error it carries (the contract's code), thrown at the field. */
function valueOf<T>(event: LiveEvent): T | null {
  if (event.value instanceof Error) throw event.value;
  return event.value as T | null;
}

/**
 * Subscriptions: arguments checked like the queries' (BAD_USER_INPUT before any upstream call),
 * then a stream from the live hub (src/live/). Each event is one resource's new state; graphql-js
 * runs the subscriber's selection on it and the transport sends it only if that changed.
 */
export const liveResolvers: Resolvers = {
  Subscription: {
    pipelineRuns: {
      subscribe(_root, { projectId, ids }, ctx) {
        checkIds(ids, 'ids');
        const project = pipelineProjectOf(ctx, projectId);
        const unique = [...new Set(ids)];
        if (unique.length === 0) throw badUserInput('ids must name at least one pipeline', { argument: 'ids' });
        const hub = hubOf(ctx);
        const max = hub.config.maxIdsPerSubscription;
        if (unique.length > max) {
          throw liveLimitError(
            'idsPerSubscription',
            max,
            `ids: one subscription may watch at most ${max} pipelines (LIVE_MAX_IDS_PER_SUBSCRIPTION), got ${unique.length}`,
          );
        }
        const source = pipelineSource(ctx.services, ctx.services.huaweiAuth.for(ctx.principal), project);
        return hub.subscribe(source, unique, {
          caller: callerLabel(ctx.principal.caller),
          loadInitial: (missing) =>
            ctx.loaders.pipeline.latestRun.loadMany(missing.map((pipelineId) => ({ projectId: project, pipelineId }))),
        });
      },
      resolve(event: LiveEvent, args: SubscriptionPipelineRunsArgs, ctx: GatewayContext): PipelineParent {
        return { id: event.id, projectId: pipelineProjectOf(ctx, args.projectId), run: event.value as LatestRun | Error };
      },
    },
    jobUpdated: {
      subscribe(_root, { id }, ctx) {
        checkJobId(id, 'id');
        const hub = hubOf(ctx);
        return hub.subscribe(jobSource(ctx.services), [id], {
          caller: callerLabel(ctx.principal.caller),
          loadInitial: (missing) => ctx.loaders.comestri.job.loadMany(missing),
        });
      },
      resolve: (event: LiveEvent) => valueOf<Job>(event),
    },
    softwareDeploymentUpdated: {
      subscribe(_root, { projectId, id }, ctx) {
        const project = deploymentProjectOf(ctx, projectId);
        checkUuid(id, 'id');
        const hub = hubOf(ctx);
        const source = deploymentSource(ctx.services, ctx.services.huaweiAuth.for(ctx.principal), project);
        return hub.subscribe(source, [id], {
          caller: callerLabel(ctx.principal.caller),
          loadInitial: (missing) => ctx.loaders.rts.deployment.loadMany(missing.map((one) => ({ projectId: project, id: one }))),
        });
      },
      resolve: (event: LiveEvent) => valueOf<SoftwareDeployment>(event),
    },
  },
};
