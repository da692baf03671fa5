import { loadConfig } from '../../src/config';
import { createGateway, type Gateway } from '../../src/gateway';
import { startSimulators, withSimulatedUpstreams, type SimulatedUpstreams } from '../../src/simulators';
import { captureLogger } from '../helpers/gateway';

/** Gateways built as src/main.ts builds them: loadConfig → startSimulators → withSimulatedUpstreams → createGateway. */
describe('artifact configuration', () => {
  let sims: SimulatedUpstreams;
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    sims = await startSimulators();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await sims.close();
  });

  async function start(endpoints?: (all: Record<string, string>) => Record<string, string>): Promise<(query: string) => Promise<unknown>> {
    const config = withSimulatedUpstreams(loadConfig({}), sims);
    const gateway = await createGateway(
      {
        ...config,
        port: 0,
        host: '127.0.0.1',
        endpoints: endpoints ? endpoints(config.endpoints) : config.endpoints,
      },
      { logger: captureLogger() },
    );
    gateways.push(gateway);
    const url = await gateway.listen();
    return async (query) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      return res.json();
    };
  }

  it('with no configuration at all, answers from the simulator with its default tenant and project', async () => {
    const ask = await start();
    expect(await ask('{ repositories(first: 1) { totalCount nodes { id name } } }')).toEqual({
      data: {
        repositories: {
          totalCount: 12,
          nodes: [{ id: 'cn-north-7_5a775fdcb14f4431b6c0015618140bc3_maven_1_11', name: 'maven-test-20220120' }],
        },
      },
    });
  });

  it('without an Artifact endpoint, Artifact fields are UPSTREAM_UNAVAILABLE and nothing else is affected', async () => {
    const ask = await start(({ artifact: _artifact, ...rest }) => rest);
    expect(await ask('{ gatewayInfo { simulated } storageUsage { totalCount } }')).toEqual({
      data: { gatewayInfo: { simulated: true }, storageUsage: null },
      errors: [
        expect.objectContaining({
          path: ['storageUsage'],
          extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'artifact' },
        }),
      ],
    });
    expect(await ask('mutation { resetArtifactPassword { ok } }')).toMatchObject({
      data: { resetArtifactPassword: null },
      errors: [{ extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'artifact' } }],
    });
  });
});
