import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { loadTypeDefs } from '../../src/gateway';

const contract = buildSchema(readFileSync(path.join(__dirname, '..', '..', '..', 'shared', 'contract', 'schema.graphql'), 'utf8'));
const ours = buildSchema(loadTypeDefs().join('\n'));

const PIPELINE_TYPES = [
  'Pipeline',
  'PipelineRun',
  'PipelineRunStatus',
  'PipelineStage',
  'PipelineStageStatus',
  'BuildParams',
  'ArtifactParams',
  'DateTime',
  'PageInfo',
  'MutationResult',
];

function pipelinePart(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType()!;
  const fields = query.toConfig().fields;
  return new (schema.constructor as typeof GraphQLSchema)({
    query: new GraphQLObjectType({ name: 'Query', fields: { pipeline: fields.pipeline!, pipelines: fields.pipelines! } }),
    types: PIPELINE_TYPES.map((t) => schema.getType(t)!).filter(Boolean),
  });
}

describe('schema/ keeps the public contract', () => {
  it('has no breaking change against the pipeline part of the contract (types and root fields)', () => {
    expect(findBreakingChanges(pipelinePart(contract), pipelinePart(ours))).toEqual([]);
  });

  it('keeps every root field of the contract nullable that the contract has nullable', () => {
    for (const root of ['pipeline', 'pipelines']) {
      expect(String(ours.getQueryType()!.getFields()[root]!.type).endsWith('!')).toBe(false);
    }
  });
});
