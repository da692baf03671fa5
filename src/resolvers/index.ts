import type { Resolvers } from '../generated/graphql';
import { DateTimeScalar, JSONScalar } from './scalars';
import { pipelineResolvers } from './pipeline';
import { artifactResolvers } from './artifact';
import { jobResolvers } from './job';
import { deploymentResolvers } from './deployment';
import { recordingResolvers } from './recording';
import { liveResolvers } from './live';

/** Every domain's resolvers, merged. Each domain lives in its own file and stays thin. */
export function createResolvers(info: { version: string; simulated: boolean }): Resolvers[] {
  const common: Resolvers = {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: { gatewayInfo: () => info },
  };
  return [common, pipelineResolvers, artifactResolvers, jobResolvers, deploymentResolvers, recordingResolvers, liveResolvers];
}
