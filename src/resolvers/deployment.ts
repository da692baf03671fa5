import type { Resolvers } from '../generated/graphql';
import { badUserInput } from '../errors';
import type { GatewayContext } from '../context';

/** Huawei project ids are 32 letters and digits (the RTS seed: 95d02433133a4c0a87ba6967474a2ad3). */
const PROJECT_ID = /^[A-Za-z0-9]{32}$/;
/** Deployment and server ids are UUIDs (the seed: ef422fa5-719a-419e-a10c-72e3a367b0b8). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function projectOf(ctx: GatewayContext, projectId: string | null | undefined): string {
  const project = projectId ?? ctx.services.config.huawei.projectId;
  if (!project)
    throw badUserInput('projectId is required: no default project (HUAWEI_PROJECT_ID) is configured', { argument: 'projectId' });
  if (!PROJECT_ID.test(project)) {
    throw badUserInput(`projectId must be 32 letters and digits, got ${JSON.stringify(project.slice(0, 64))}`, { argument: 'projectId' });
  }
  return project;
}

export function checkUuid(value: string, argument: string): string {
  if (!UUID.test(value)) throw badUserInput(`${argument} must be a UUID, got ${JSON.stringify(value.slice(0, 64))}`, { argument });
  return value;
}

/**
 * graphql-js completes an `Error` list item as null and reports it at that item's path (the error
 * masking plugin then gives it the contract's code), so an unreadable element fails only itself.
 * The generated resolver types cannot say "item or Error", hence the one cast.
 */
function erroredItems<T>(items: Array<T | Error>): T[] {
  return items as T[];
}

export const deploymentResolvers: Resolvers = {
  Query: {
    async softwareDeployments(_root, { projectId, serverId }, ctx) {
      const key = { projectId: projectOf(ctx, projectId), serverId: serverId == null ? undefined : checkUuid(serverId, 'serverId') };
      return erroredItems(await ctx.loaders.rts.list.load(key));
    },
    async softwareDeployment(_root, { projectId, id }, ctx) {
      const key = { projectId: projectOf(ctx, projectId), id: checkUuid(id, 'id') };
      return ctx.loaders.rts.deployment.load(key);
    },
  },
};
