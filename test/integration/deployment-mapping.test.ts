import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { SEED_RTS_DEPLOYMENT, SIM_RTS_DEPLOYMENTS } from '../../src/simulators/rts';

const FIELDS = 'id serverId configId action status statusReason inputValues outputValues createdAt updatedAt';
const PROJECT = SIMULATED.huaweiProjectId;
const SEED_SERVER = 'ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5';

describe('RTS software deployments: the seed example and its neighbours, in the contract’s terms', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { RESULT_CACHE_TTL_SECONDS: '0' } });
  });
  afterAll(() => gw.close());
  afterEach(() => {
    gw.sims.rts.clearFaults().resetCalls();
    gw.sims.rts.setDeployments(PROJECT, SIM_RTS_DEPLOYMENTS);
  });

  it('lists the project’s deployments (default project) with the seed’s example mapped field by field', async () => {
    const res = await gw.query(`{ softwareDeployments { ${FIELDS} } }`);
    expect(res.body.errors).toBeUndefined();
    const list = res.body.data?.softwareDeployments as Array<Record<string, unknown>>;
    expect(list.map((d) => d.status)).toEqual(['COMPLETE', 'IN_PROGRESS', 'FAILED']);
    expect(list[0]).toEqual({
      id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8',
      serverId: SEED_SERVER,
      configId: '8da95794-2ad9-4979-8ae5-739ce314c5cd',
      action: 'CREATE',
      status: 'COMPLETE',
      statusReason: 'Outputs received',
      inputValues: null,
      // Key/value maps come through as JSON, untouched.
      outputValues: SEED_RTS_DEPLOYMENT.output_values,
      createdAt: '2015-01-31T15:12:36.000Z',
      updatedAt: '2015-01-31T15:18:21.000Z',
    });
    expect(gw.sims.rts.calls.map((c) => c.path + c.query)).toEqual([`/v1/${PROJECT}/software_deployments`]);
  });

  it('reads zone-less RTS times in UPSTREAM_TIMEZONE and keeps times with an offset in theirs', async () => {
    const res = await gw.query(`{ softwareDeployments { id inputValues createdAt updatedAt } }`);
    const [, running, failed] = res.body.data?.softwareDeployments as Array<Record<string, unknown>>;
    // "2015-02-01 10:00:00" read in +08:00
    expect(running).toEqual({
      id: '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d',
      inputValues: { foo: 'fu', bar: 42, deploy_signal_transport: 'TEMP_URL_SIGNAL' },
      createdAt: '2015-02-01T02:00:00.000Z',
      updatedAt: '2015-02-01T02:00:05.000Z',
    });
    // "2015-02-02T09:30:00+08:00"
    expect(failed).toMatchObject({ createdAt: '2015-02-02T01:30:00.000Z', updatedAt: '2015-02-02T01:31:12.000Z' });
  });

  it('lists one server’s deployments with server_id', async () => {
    const res = await gw.query(`query($s: ID) { softwareDeployments(serverId: $s) { id serverId } }`, { s: SEED_SERVER });
    expect(res.body.data?.softwareDeployments).toEqual([
      { id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8', serverId: SEED_SERVER },
      { id: '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d', serverId: SEED_SERVER },
    ]);
    expect(gw.sims.rts.calls[0]?.query).toBe(`?server_id=${SEED_SERVER}`);
  });

  it('shows one deployment by id, through the show call', async () => {
    const res = await gw.query(
      `{ softwareDeployment(id: "d4c3b2a1-0f9e-4d8c-8b7a-6f5e4d3c2b1a") { id status statusReason outputValues } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.softwareDeployment).toEqual({
      id: 'd4c3b2a1-0f9e-4d8c-8b7a-6f5e4d3c2b1a',
      status: 'FAILED',
      statusReason: 'deploy_status_code : Deployment exited with non-zero status code: 1',
      outputValues: {
        deploy_stdout: '',
        deploy_stderr: '+ cat /tmp/missing\ncat: /tmp/missing: No such file or directory\n',
        deploy_status_code: 1,
      },
    });
    expect(gw.sims.rts.calls.map((c) => c.path)).toEqual([`/v1/${PROJECT}/software_deployments/d4c3b2a1-0f9e-4d8c-8b7a-6f5e4d3c2b1a`]);
  });

  it('answers null, without an error, for a deployment RTS does not know (its 404)', async () => {
    const res = await gw.query(`{ softwareDeployment(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(res.body).toEqual({ data: { softwareDeployment: null } });
  });

  it('a project with no deployments answers an empty list', async () => {
    const res = await gw.query(`{ softwareDeployments(projectId: "0123456789abcdef0123456789abcdef") { id } }`);
    expect(res.body).toEqual({ data: { softwareDeployments: [] } });
  });

  it('maps a status the contract does not know to UNKNOWN, never an error', async () => {
    gw.sims.rts.setDeployments(PROJECT, [{ ...SEED_RTS_DEPLOYMENT, status: 'DELETE_IN_PROGRESS' }]);
    const res = await gw.query(`{ softwareDeployments { status } }`);
    expect(res.body).toEqual({ data: { softwareDeployments: [{ status: 'UNKNOWN' }] } });
  });

  it('an element it cannot read fails only that item; the others still come', async () => {
    gw.sims.rts.setDeployments(PROJECT, [SEED_RTS_DEPLOYMENT, { status: 'COMPLETE' }, SIM_RTS_DEPLOYMENTS[2]!]);
    const res = await gw.query(`{ softwareDeployments { id } }`);
    expect(res.body.data?.softwareDeployments).toEqual([{ id: SEED_RTS_DEPLOYMENT.id }, null, { id: SIM_RTS_DEPLOYMENTS[2]!.id }]);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['softwareDeployments', 1],
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'rts' },
    });
  });
});
