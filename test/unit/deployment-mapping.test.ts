import { deploymentStatusOf, mapDeployment } from '../../src/upstreams/deployment/mapping';
import { UpstreamBadResponseError } from '../../src/errors';
import { SEED_RTS_DEPLOYMENT } from '../../src/simulators/rts';

describe('RTS software deployment mapping', () => {
  it.each([
    ['COMPLETE', 'COMPLETE'],
    ['IN_PROGRESS', 'IN_PROGRESS'],
    ['FAILED', 'FAILED'],
    ['complete', 'COMPLETE'],
    ['DELETE_IN_PROGRESS', 'UNKNOWN'],
    [null, 'UNKNOWN'],
  ])('status %j → %s', (value, expected) => {
    expect(deploymentStatusOf(value)).toBe(expected);
  });

  it('maps the seed example, keeping input/output values as JSON', () => {
    expect(mapDeployment(SEED_RTS_DEPLOYMENT, '+08:00')).toEqual({
      id: 'ef422fa5-719a-419e-a10c-72e3a367b0b8',
      serverId: 'ec14c864-096e-4e27-bb8a-2c2b4dc6f3f5',
      configId: '8da95794-2ad9-4979-8ae5-739ce314c5cd',
      action: 'CREATE',
      status: 'COMPLETE',
      statusReason: 'Outputs received',
      inputValues: null,
      outputValues: SEED_RTS_DEPLOYMENT.output_values,
      createdAt: '2015-01-31T15:12:36.000Z',
      updatedAt: '2015-01-31T15:18:21.000Z',
    });
  });

  it('reads zone-less times in the configured zone', () => {
    expect(mapDeployment({ id: 'x', creation_time: '2015-02-01 10:00:00', updated_time: '2015-02-01T10:00:00' }, '-05:00')).toMatchObject({
      createdAt: '2015-02-01T15:00:00.000Z',
      updatedAt: '2015-02-01T15:00:00.000Z',
      inputValues: null,
      outputValues: null,
      status: 'UNKNOWN',
    });
  });

  it('returns an error value for an element without an id', () => {
    expect(mapDeployment({ status: 'COMPLETE' }, 'Z')).toBeInstanceOf(UpstreamBadResponseError);
    expect(mapDeployment(null, 'Z')).toBeInstanceOf(UpstreamBadResponseError);
  });
});
