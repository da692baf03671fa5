import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';
import { SIMULATED } from '../../src/simulators';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { pipelineIds } from '../helpers/ids';
import { GATEWAY_KEY } from '../helpers/secrets';
import { resultsOf, sseSubscribe, wsClient, wsSubscribe } from '../helpers/live-clients';

const PROJECT = SIMULATED.codeartsProjectId;
const RUNS = `subscription($ids: [ID!]!) { pipelineRuns(ids: $ids) { id latestRun { status runNumber } } }`;

function run(pipelineId: string, status: string, runNumber: number, executorName = 'Beta environment account') {
  return { ...SEED_PIPELINE_RUN, pipeline_id: pipelineId, status, run_number: runNumber, executor_name: executorName };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live updates on one gateway (WebSocket and SSE)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ env: { LIVE_POLL_INTERVAL_MS: '1000' } });
  });
  afterAll(() => gw.close());

  it('WebSocket: each pipeline once, then only changes of what was selected', async () => {
    const [a, b] = pipelineIds(2, 'live-ws');
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'RUNNING', 7)).setRun(PROJECT, b!, run(b!, 'COMPLETED', 3));
    const client = wsClient(gw.url);
    const sub = wsSubscribe(client, RUNS, { ids: [a, b] });
    const first = await resultsOf(sub, 2);
    expect(first.map((r) => r.data?.pipelineRuns)).toEqual(
      expect.arrayContaining([
        { id: a, latestRun: { status: 'RUNNING', runNumber: 7 } },
        { id: b, latestRun: { status: 'COMPLETED', runNumber: 3 } },
      ]),
    );
    // A field the subscriber did not select changes: nothing is sent.
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'RUNNING', 7, 'someone else'));
    await sleep(2500);
    expect(sub.results).toHaveLength(2);
    gw.sims.pipeline.setRun(PROJECT, a!, run(a!, 'COMPLETED', 7));
    const [, , third] = await resultsOf(sub, 3);
    expect(third).toEqual({ data: { pipelineRuns: { id: a, latestRun: { status: 'COMPLETED', runNumber: 7 } } } });
    sub.stop();
    await client.dispose();
  });

  it('SSE: a job once, its progress, then its final state, and the stream completes', async () => {
    gw.sims.comestri.updateJob(429, { status: 'processing', percent_completed: 0.5, result: 'Pending' });
    const sub = sseSubscribe(gw.url, `subscription { jobUpdated(id: "429") { id status percentCompleted } }`);
    await resultsOf(sub, 1);
    gw.sims.comestri.updateJob(429, { percent_completed: 0.75 });
    await resultsOf(sub, 2);
    gw.sims.comestri.updateJob(429, { status: 'complete', percent_completed: 1, result: 'Success' });
    expect(await sub.ended).toEqual({ how: 'complete' });
    expect(sub.results.map((r) => r.data?.jobUpdated)).toEqual([
      { id: '429', status: 'PROCESSING', percentCompleted: 0.5 },
      { id: '429', status: 'PROCESSING', percentCompleted: 0.75 },
      { id: '429', status: 'COMPLETE', percentCompleted: 1 },
    ]);
  });
});
