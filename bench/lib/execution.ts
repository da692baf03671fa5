import { execute, parse, validate, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadTypeDefs } from '../../src/gateway';
import { CompiledExecution } from '../../src/execution/compiled-execution';
import { DateTimeScalar, JSONScalar } from '../../src/resolvers/scalars';
import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';
import { mapPipelineRun } from '../../src/upstreams/pipeline/mapping';
import { ALL_PARTS, benchPipelineIds, dashboardQuery } from './dashboard';

/**
 * GraphQL execution alone, no HTTP and no upstream: the gateway's schema with resolvers that
 * answer the whole dashboard (all four parts) from memory, executed over and over. It isolates
 * what the execution engine costs per operation: graphql-js, graphql-jit, and the gateway's use of it.
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
        pipelines: (_r: unknown, args: { ids: string[] }) =>
          args.ids.map((id) => ({ id, projectId: 'p', latestRun: runs.get(id) ?? null })),
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
  const compiled = compileQuery(schema, document);
  if (!isCompiledQuery(compiled)) {
    figures.push({ engine: 'graphql-jit', opsPerSecond: 0, meanMicros: 0, correct: false, note: 'could not compile the dashboard' });
    return figures;
  }
  const runJit = () => compiled.query(undefined, {}, variableValues);
  figures.push({
    engine: 'graphql-jit compileQuery()',
    correct: JSON.stringify(await runJit()) === reference,
    ...(await measure(runJit, durationMs)),
  });
  // What the gateway runs with EXECUTION_ENGINE=jit: the compiled query kept beside the document.
  const gateway = new CompiledExecution(schema);
  const runGateway = () => gateway.execute({ document, request: { variables: variableValues }, context: {} });
  figures.push({
    engine: "the gateway's CompiledExecution (EXECUTION_ENGINE=jit)",
    correct: JSON.stringify(await runGateway()) === reference,
    ...(await measure(runGateway, durationMs)),
  });
  return figures;
}
