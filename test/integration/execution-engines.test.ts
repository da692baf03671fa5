import { getIntrospectionQuery } from 'graphql';
import { startSimulators, type SimulatedUpstreams } from '../../src/simulators';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';

/**
 * EXECUTION_ENGINE=jit runs a document it has seen before compiled by graphql-jit. What a client
 * receives must not change: every operation here is sent three times (the second and third run
 * compiled) to a jit gateway and to a graphql-js one over the same upstreams, and the answers —
 * status, data, errors with their paths, locations and extensions — must be identical, and
 * what each test names must be in them. (Stack traces, shown outside production only, name the
 * engine's own frames and are left aside; errors are compared in path order.)
 */
describe('EXECUTION_ENGINE=jit answers exactly what graphql-js answers', () => {
  let sims: SimulatedUpstreams;
  let jit: TestGateway;
  let interpreted: TestGateway;
  const env = { RESULT_CACHE_TTL_SECONDS: '0', UPSTREAM_RETRIES: '0', UPSTREAM_BREAKER_FAILURES: '1000', UPSTREAM_DEADLINE_MS: '800' };

  beforeAll(async () => {
    sims = await startSimulators();
    jit = await startTestGateway({ sims, redis: false, env: { ...env, EXECUTION_ENGINE: 'jit' } });
    interpreted = await startTestGateway({ sims, redis: false, env: { ...env, EXECUTION_ENGINE: 'graphql-js' } });
    // Logins and connections made once before comparing: a cold first call on a busy machine can
    // miss its deadline in one gateway and not the other.
    for (const gateway of [interpreted, jit]) await gateway.query(`{ pipelines(ids: ["${pipelineIds(1, 'warm')[0]}"]) { id } }`);
  });
  afterAll(async () => {
    await jit?.close();
    await interpreted?.close();
    await sims?.close();
  });
  afterEach(() => {
    for (const sim of sims.all()) sim.clearFaults();
  });

  const ids = pipelineIds(5, 'engines');
  const dashboard = `query Dashboard($ids: [ID!]!) {
    pipelines(ids: $ids) { id latestRun { status runNumber startTime durationSeconds stages { name status } } }
    repositories(first: 10) { totalCount pageInfo { hasNextPage endCursor } nodes { id name format createdAt storage { filesCount usedBytes } } }
    recordings(first: 10) { totalCount nodes { id callId duration durationSeconds direction } }
    jobs(first: 10) { totalCount edges { cursor node { id status percentCompleted createdAt } } }
  }`;

  async function sameAnswerTwice(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse['body']> {
    const answers: Array<{ status: number; body: unknown }> = [];
    for (const gateway of [interpreted, jit]) {
      for (let i = 0; i < 3; i++) {
        const res = await gateway.query(query, variables);
        answers.push({ status: res.status, body: withoutStacktraces(res.body) });
      }
    }
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    return answers[0]?.body as GraphQLResponse['body'];
  }

  it('the dashboard, whole and successful', async () => {
    const body = await sameAnswerTwice(dashboard, { ids });
    expect(body.errors).toBeUndefined();
    expect((body.data?.pipelines as Array<{ id: string }>).map((p) => p.id)).toEqual(ids);
    for (const list of ['repositories', 'recordings', 'jobs']) {
      expect((body.data?.[list] as { totalCount: number }).totalCount).toBeGreaterThan(0);
    }
  });

  it('aliases, fragments, __typename and @skip/@include driven by variables', async () => {
    const query = `query Parts($ids: [ID!]!, $withRuns: Boolean!, $noJobs: Boolean!) {
      a: pipelines(ids: $ids) { ...P }
      b: pipelines(ids: $ids) { id latestRun @include(if: $withRuns) { __typename status } }
      jobs(first: 2) @skip(if: $noJobs) { nodes { ... on Job { id } ...J } }
      gatewayInfo { __typename simulated }
    }
    fragment P on Pipeline { __typename id projectId latestRun { runNumber } }
    fragment J on Job { status result }`;
    const withAll = await sameAnswerTwice(query, { ids, withRuns: true, noJobs: false });
    expect(withAll.errors).toBeUndefined();
    expect(withAll.data?.gatewayInfo).toEqual({ __typename: 'GatewayInfo', simulated: true });
    const a = withAll.data?.a as Array<Record<string, unknown>>;
    expect(a.map((p) => p.id)).toEqual(ids);
    expect(a[0]).toEqual({
      __typename: 'Pipeline',
      id: ids[0],
      projectId: expect.any(String),
      latestRun: { runNumber: expect.any(Number) },
    });
    expect((withAll.data?.b as Array<Record<string, unknown>>)[0]?.latestRun).toEqual({
      __typename: 'PipelineRun',
      status: expect.any(String),
    });
    const job = (withAll.data?.jobs as { nodes: Array<Record<string, unknown>> }).nodes[0];
    expect(Object.keys(job ?? {}).sort()).toEqual(['id', 'result', 'status']);
    expect(job?.status).toMatch(/^[A-Z_]+$/);

    const without = await sameAnswerTwice(query, { ids, withRuns: false, noJobs: true });
    expect(without.errors).toBeUndefined();
    expect(Object.keys(without.data ?? {})).toEqual(['a', 'b', 'gatewayInfo']);
    expect((without.data?.b as Array<Record<string, unknown>>)[0]).toEqual({ id: ids[0] });
  });

  it('@skip/@include on fragment spreads and inline fragments, the same field selected twice', async () => {
    const query = `query Spread($ids: [ID!]!, $a: Boolean!, $b: Boolean!) {
      pipelines(ids: $ids) {
        id
        ...Run @include(if: $a)
        ... on Pipeline @skip(if: $b) { latestRun { status runNumber } }
        latestRun { runNumber }
      }
    }
    fragment Run on Pipeline { latestRun { status startTime } }`;
    for (const [a, b] of [
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ]) {
      const body = await sameAnswerTwice(query, { ids, a, b });
      expect(body.errors).toBeUndefined();
      const run = (body.data?.pipelines as Array<{ id: string; latestRun: Record<string, unknown> }>)[0];
      expect(run?.id).toBe(ids[0]);
      // The selections merge: runNumber always, status when either fragment applies, startTime with Run only.
      const keys = ['runNumber', ...(a || !b ? ['status'] : []), ...(a ? ['startTime'] : [])].sort();
      expect(Object.keys(run?.latestRun ?? {}).sort()).toEqual(keys);
    }
  });

  it('introspection', async () => {
    const body = await sameAnswerTwice(getIntrospectionQuery());
    const schema = body.data?.__schema as { queryType: { name: string }; types: Array<{ name: string }> };
    expect(schema.queryType.name).toBe('Query');
    expect(schema.types.map((t) => t.name)).toEqual(expect.arrayContaining(['Pipeline', 'Repository', 'Recording', 'Job', 'GatewayInfo']));
  });

  it('one upstream failing: only what depends on it is null, with the contract error', async () => {
    sims.pipeline.inject({ kind: 'status', status: 500, json: { error_code: 'DEVPIPE.00011500', error_msg: 'internal error' } });
    sims.comestri.inject({ kind: 'garbage' });
    const body = await sameAnswerTwice(dashboard, { ids });
    expect(body.data?.pipelines).toBeNull();
    expect(body.data?.jobs).toBeNull();
    expect(body.data?.recordings).not.toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code).sort()).toEqual(['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_UNAVAILABLE']);
  });

  it('an upstream timing out and one rate limiting', async () => {
    sims.bandwidth.inject({ kind: 'hang', ms: 1500 });
    sims.artifact.inject({ kind: 'rate-limit', retryAfterSeconds: 120 });
    const body = await sameAnswerTwice(dashboard, { ids });
    expect(body.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual(
      expect.arrayContaining([
        ['recordings', 'UPSTREAM_TIMEOUT'],
        ['repositories', 'UPSTREAM_RATE_LIMITED'],
      ]),
    );
    expect(body.data?.recordings).toBeNull();
    expect(body.data?.repositories).toBeNull();
    expect((body.data?.pipelines as unknown[]).length).toBe(5);
  });

  it('arguments refused by a resolver, and variables that do not coerce', async () => {
    const refused = await sameAnswerTwice(`query($ids: [ID!]!) { pipelines(ids: $ids) { id } jobs(first: 1000) { totalCount } }`, {
      ids: ["' OR 1=1 --"],
    });
    expect(refused.errors?.every((e) => e.extensions?.code === 'BAD_USER_INPUT')).toBe(true);
    const uncoerced = await sameAnswerTwice(`query($ids: [ID!]!) { pipelines(ids: $ids) { id } }`, { ids: [1, null] });
    expect(uncoerced.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await sameAnswerTwice(`query($ids: [ID!]!) { pipelines(ids: $ids) { id } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(missing.data).toBeUndefined();
  });

  it('a mutation with invalid input', async () => {
    const body = await sameAnswerTwice(`mutation { updateRecordingState(callId: "", state: PAUSED) { ok message } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('/metrics says which engine ran each operation', async () => {
    const metrics = async (gateway: TestGateway) => (await fetch(`${gateway.url}/metrics`)).text();
    const jitText = await metrics(jit);
    expect(jitText).toMatch(/gateway_graphql_executions_total\{engine="jit"\} [1-9]\d*/);
    expect(jitText).toMatch(/gateway_graphql_executions_total\{engine="graphql-js"\} [1-9]\d*/);
    expect(await metrics(interpreted)).not.toMatch(/gateway_graphql_executions_total\{engine="jit"\} [1-9]/);
  });
});

function withoutStacktraces(body: GraphQLResponse['body']): GraphQLResponse['body'] {
  if (!body.errors) return body;
  return {
    ...body,
    errors: body.errors
      .map(({ extensions, ...error }) => {
        if (!extensions) return error;
        const { stacktrace: _stacktrace, ...rest } = extensions;
        return { ...error, extensions: rest };
      })
      // Errors come in the order upstreams answered, which neither engine decides.
      .sort((a, b) => JSON.stringify(a.path ?? []).localeCompare(JSON.stringify(b.path ?? []))),
  };
}
