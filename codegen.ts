import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver and model types come from schema/ only: no hand-written mirror of the schema.
// `npm run codegen` runs before build and test, so schema and code cannot drift.
const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context#GatewayContext',
        useIndexSignature: false,
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        maybeValue: 'T | null',
        inputMaybeValue: 'T | null | undefined',
        scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
        mappers: {
          // Parents that carry more than the schema type (loaded runs, ids for lazy fields).
          Pipeline: '../resolvers/pipeline#PipelineParent',
          Repository: '../upstreams/artifact/mapping#RepositoryModel',
          RepositoryMutationResult: '../resolvers/artifact#RepositoryMutationParent',
          FileTree: '../upstreams/artifact/mapping#FileTreeModel',
          Recording: '../upstreams/recording/mapping#RecordingModel',
        },
      },
    },
  },
};
export default config;
