import { loadConfig } from '../../src/config';
import { createGateway, type Gateway } from '../../src/gateway';
import { startSimulators, withSimulatedUpstreams, type SimulatedUpstreams } from '../../src/simulators';
import { captureLogger } from '../helpers/gateway';

/**
 * `npm start` with no configuration, built exactly as src/main.ts builds it:
 * loadConfig({}) → startSimulators() → withSimulatedUpstreams() → createGateway() → listen.
 * Only the port differs (0 instead of 4000), so the test never collides with a running gateway.
 */
describe('with no configuration at all, Comestri jobs and RTS deployments answer from the simulators', () => {
  let sims: SimulatedUpstreams;
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    const bare = loadConfig({});
    expect(bare.simulation).toEqual({ reason: 'no upstream endpoint is configured' });
    expect(bare.redis).toBeNull();
    sims = await startSimulators();
    const config = withSimulatedUpstreams(bare, sims);
    gateway = await createGateway({ ...config, port: 0, host: '127.0.0.1' }, { logger: captureLogger() });
    url = await gateway.listen();
  });
  afterAll(async () => {
    await gateway.close();
    await sims.close();
  });

  async function ask(query: string): Promise<unknown> {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    expect(res.status).toBe(200);
    return res.json();
  }

  it('answers { jobs(first:3){ totalCount nodes{ id status } } }', async () => {
    expect(await ask('{ jobs(first:3){ totalCount nodes{ id status } } }')).toEqual({
      data: {
        jobs: {
          // The seed's job 429 and 120 newer ones, newest first.
          totalCount: 121,
          nodes: [
            { id: '549', status: 'REQUEST_RECEIVED' },
            { id: '548', status: 'COMPLETE' },
            { id: '547', status: 'CANCELED' },
          ],
        },
      },
    });
  });

  it('answers { softwareDeployments { id status } } with the seed example first', async () => {
    expect(await ask('{ softwareDeployments { id status } }')).toEqual({
      data: {
        softwareDeployments: [
          { id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8', status: 'COMPLETE' },
          { id: '6b1d8e2a-4c3f-4a5e-8d7b-9e0f1a2b3c4d', status: 'IN_PROGRESS' },
          { id: 'd4c3b2a1-0f9e-4d8c-8b7a-6f5e4d3c2b1a', status: 'FAILED' },
        ],
      },
    });
  });
});
