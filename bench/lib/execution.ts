import { execute, parse, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadTypeDefs } from '../../src/gateway';
import { DateTimeScalar, JSONScalar } from '../../src/resolvers/scalars';
import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';
import { mapPipelineRun } from '../../src/upstreams/pipeline/mapping';
import { ALL_PARTS, benchPipelineIds, dashboardQuery } from './dashboard';

/**
 * GraphQL execution alone, no HTTP and no upstream: the gateway's schema with resolvers that
 * answer the whole dashboard (all four parts) from memory, executed over and over. It isolates
 * what the execution engine costs per operation: graphql-js today, graphql-jit when installed.
 */
export interface ExecutionFigure {
  engine: string;
  opsPerSecond: number;
  meanMicros: number;
  /** Same answer as graphql-js (always true for graphql-js itself). */
  correct: boolean;
  note?: string;
}

function dashboardSchema(): GraphQLSchema {
  const ids = benchPipelineIds(20, 'exec');
  const runs = new Map(ids.map((id) => [id, mapPipelineRun({ ...SEED_PIPELINE_RUN, pipeline_id: id }, '+08:00')]));
  const repositories = Array.from({ length: 10 }, (_, i) => ({
    id: `cn-north-7_5a775fdcb14f4431b6c0015618140bc3_maven_1_${200 + i}`,
    name: `repo-${i}`,
    format: 'MAVEN2',
    storage: { filesCount: 10 * i, usedBytes: 1024 * 1024 * i },
  }));
  const recordings = Array.from({ length: 10 }, (_, i) => ({ id: `r-${i}`, callId: `c-${i}`, duration: 'PT13.67S', status: 'complete' }));
  const jobs = Array.from({ length: 10 }, (_, i) => ({ id: String(400 + i), status: 'COMPLETE', percentCompleted: 1 }));
  const connection = <T>(nodes: T[]) => ({ totalCount: nodes.length, nodes });
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: {
      DateTime: DateTimeScalar,
      JSON: JSONScalar,
      Query: {
        pipelines: (_r: unknown, args: { ids: string[] }) => args.ids.map((id) => ({ id, projectId: 'p', latestRun: runs.get(id) ?? null })),
        repositories: () => connection(repositories),
        recordings: () => connection(recordings),
        jobs: () => connection(jobs),
      },
    },
  });
}

async function measure(run: () => unknown, durationMs: number): Promise<{ opsPerSecond: number; meanMicros: number }> {
  for (let i = 0; i < 300; i++) await run();
  let n = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    for (let i = 0; i < 50; i++) await run();
    n += 50;
  }
  const micros = Number(process.hrtime.bigint() - start) / 1000;
  return { opsPerSecond: (n / micros) * 1e6, meanMicros: micros / n };
}

type CompiledQuery = { query: (root: unknown, context: unknown, variables: unknown) => unknown };

/** graphql-jit's compileQuery, if the package is installed (it is an optional dependency). */
function loadGraphqlJit(): ((schema: GraphQLSchema, document: DocumentNode) => CompiledQuery | ExecutionResult) | null {
  try {
    // A plain require: the package may be absent and has no types here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('graphql-jit') as unknown;
    const compile = (mod as { compileQuery?: unknown }).compileQuery;
    return typeof compile === 'function' ? (compile as (s: GraphQLSchema, d: DocumentNode) => CompiledQuery | ExecutionResult) : null;
  } catch {
    return null;
  }
}

export async function measureExecution(durationMs: number): Promise<ExecutionFigure[]> {
  const schema = dashboardSchema();
  const document = parse(dashboardQuery(ALL_PARTS));
  const problems = validate(schema, document);
  if (problems.length) throw new Error(`dashboard query is invalid: ${problems[0]?.message}`);
  const variableValues = { ids: benchPipelineIds(20, 'exec') };
  const runJs = () => execute({ schema, document, variableValues, contextValue: {} });
  const reference = JSON.stringify(await runJs());
  if (reference.includes('"errors"')) throw new Error(`dashboard execution failed: ${reference.slice(0, 200)}`);

  const figures: ExecutionFigure[] = [{ engine: 'graphql-js 16 execute()', correct: true, ...(await measure(runJs, durationMs)) }];
  const compileQuery = loadGraphqlJit();
  if (!compileQuery) {
    figures.push({ engine: 'graphql-jit', opsPerSecond: 0, meanMicros: 0, correct: false, note: 'not installed: pending a dependency install' });
    return figures;
  }
  const compiled = compileQuery(schema, document);
  if (!('query' in compiled)) {
    figures.push({ engine: 'graphql-jit', opsPerSecond: 0, meanMicros: 0, correct: false, note: 'could not compile the dashboard' });
    return figures;
  }
  const runJit = () => compiled.query(undefined, {}, variableValues);
  const correct = JSON.stringify(await runJit()) === reference;
  figures.push({ engine: 'graphql-jit compileQuery()', correct, ...(await measure(runJit, durationMs)) });
  return figures;
}
