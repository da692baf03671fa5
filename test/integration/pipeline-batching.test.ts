import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { id32, pipelineIds, statusCallBodies } from '../helpers/ids';

const PROJECT_A = id32('project-a');
const PROJECT_B = id32('project-b');

describe('pipeline batching: one status call per project per batch', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  beforeEach(() => gw.sims.pipeline.resetCalls());

  it('sends exactly 2 status calls for 40 ids in project A, the same ids in B and one more id through a second field', async () => {
    const ids = pipelineIds(40, 'batch');
    const extra = id32('extra-one');
    const res = await gw.query(
      `query($a: ID!, $b: ID!, $ids: [ID!]!, $extra: ID!) {
        a: pipelines(projectId: $a, ids: $ids) { id projectId latestRun { status } }
        b: pipelines(projectId: $b, ids: $ids) { id projectId latestRun { status } }
        one: pipeline(projectId: $a, id: $extra) { id latestRun { runNumber } }
      }`,
      { a: PROJECT_A, b: PROJECT_B, ids, extra },
    );
    expect(res.body.errors).toBeUndefined();
    const data = res.body.data as { a: Array<{ id: string; projectId: string }>; b: Array<{ projectId: string }>; one: { id: string } };
    expect(data.a.map((p) => p.id)).toEqual(ids);
    expect(data.b.every((p) => p.projectId === PROJECT_B)).toBe(true);
    expect(data.one.id).toBe(extra);

    const calls = statusCallBodies(gw.sims.pipeline.calls);
    expect(calls).toHaveLength(2);
    const byProject = Object.fromEntries(calls.map((c) => [c.project, c.ids]));
    expect(new Set(byProject[PROJECT_A])).toEqual(new Set([...ids, extra]));
    expect(new Set(byProject[PROJECT_B])).toEqual(new Set(ids));
    for (const c of calls) expect(new Set(c.ids).size).toBe(c.ids.length);
  });

  it('answers a warm repeat from the shared cache with no status call', async () => {
    const ids = pipelineIds(10, 'warm');
    const q = `query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`;
    const cold = await gw.query(q, { ids });
    expect(gw.sims.pipeline.callCount()).toBe(1);
    const warm = await gw.query(q, { ids });
    expect(gw.sims.pipeline.callCount()).toBe(1);
    expect(warm.body).toEqual(cold.body);
  });

  it('keeps order, allows duplicates and answers latestRun null for a pipeline that never ran', async () => {
    const [x, y] = pipelineIds(2, 'order');
    const never = id32('never-run').slice(0, 28) + '0000';
    const res = await gw.query(`query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { pipelineId } } }`, {
      ids: [y, never, x, y],
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.pipelines).toEqual([
      { id: y, latestRun: { pipelineId: y } },
      { id: never, latestRun: null },
      { id: x, latestRun: { pipelineId: x } },
      { id: y, latestRun: { pipelineId: y } },
    ]);
    const [call] = statusCallBodies(gw.sims.pipeline.calls);
    expect(call?.ids).toHaveLength(3);
  });

  it('refuses a malformed pipeline id with BAD_USER_INPUT before any upstream call', async () => {
    const res = await gw.query(`{ pipelines(ids: ["d19799d619424b2bb2625ec2d93ea087", "not-a-pipeline-id"]) { id } }`);
    expect(res.body.data?.pipelines).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0]?.message).toContain('not-a-pipeline-id');
    const single = await gw.query(`query($id: ID!) { pipeline(id: $id) { id } }`, { id: 'x'.repeat(33) });
    expect(single.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(gw.sims.pipeline.callCount()).toBe(0);
  });
});

describe('pipeline batching: chunks at PIPELINE_BATCH_MAX', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { PIPELINE_BATCH_MAX: '25' } });
  });
  afterAll(() => gw.close());

  it('sends ceil(distinct ids / max) calls and every id exactly once', async () => {
    const ids = pipelineIds(60, 'chunk');
    const res = await gw.query(`query($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { id } } }`, {
      ids: [...ids, ...ids.slice(0, 5)],
    });
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data?.pipelines as unknown[]).length).toBe(65);
    const calls = statusCallBodies(gw.sims.pipeline.calls);
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.ids.length <= 25)).toBe(true);
    const sent = calls.flatMap((c) => c.ids);
    expect(sent.sort()).toEqual([...ids].sort());
  });
});
