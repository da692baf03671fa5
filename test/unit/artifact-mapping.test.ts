import { mapArtifactAccount } from '../../src/upstreams/artifact/mapping';
import { artifactErrorFormat, readArtifactEmbeddedError as detectArtifactEmbeddedError } from '../../src/upstreams/artifact/errors';
import {
  formatOf,
  mapArtifact,
  mapAuditLog,
  mapMavenRepository,
  mapRepository,
  mapRows,
  parseSize,
  regionOfRepositoryId,
} from '../../src/upstreams/artifact/mapping';
import { UpstreamBadResponseError } from '../../src/errors';
import { formatSize } from '../../src/simulators/artifact';

const ID = 'cn-north-7_5a775fdcb14f4431b6c0015618140bc3_conan_5';

/** The first row of the seed's repository list (4.7.1). */
const LIST_ROW = {
  id: null,
  name: ID,
  description: '1.0',
  createdTime: '2022-08-22 17:14:55',
  createdUserId: 'e9253deb37654775bb3c411aca89153a',
  createdUserName: 'devcloud_devcloud_y00226182_01',
  modifiedTime: '2023-10-16 20:05:59',
  format: 'conan',
  repoType: 'hosted',
  includesPattern: '**/*',
  url: null,
  storageSummaryInfo: null,
  projectId: null,
  repositoryName: '5465653',
  displayName: null,
  policy: null,
  tabId: null,
  status: 'active',
  domainId: '5a775fdcb14f4431b6c0015618140bc3',
  region: 'cn-north-7',
  uri: null,
  disable: false,
  packageType: 'conan',
};

describe('artifact sizes', () => {
  it.each([
    ['1,010.15 KB', 1034394],
    ['549.62 MB', 576318341],
    ['1.97 MB', 2065695],
    ['0 MB', 0],
    ['12 B', 12],
    ['2 GB', 2147483648],
    ['1.03KB', 1055],
  ])('reads %s as %d bytes (1024-based, thousands commas)', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([[''], ['n/a'], ['12 XB'], [null], [undefined]])('has no figure for %p', (text) => {
    expect(parseSize(text)).toBeNull();
  });

  it('writes sizes the way the seed does (simulator)', () => {
    expect(formatSize(1034390)).toBe('1,010.15 KB');
    expect(formatSize(2068780)).toBe('1.97 MB');
    expect(formatSize(1056)).toBe('1.03 KB');
    expect(formatSize(0)).toBe('');
  });
});

describe('artifact envelope errors under HTTP 200', () => {
  it('passes a success envelope', () => {
    expect(detectArtifactEmbeddedError({ status: 'success', trace_id: 't', result: null })).toBeUndefined();
    expect(detectArtifactEmbeddedError({ status: 'SUCCESS', result: {} })).toBeUndefined();
    expect(detectArtifactEmbeddedError([1, 2])).toBeUndefined();
    expect(detectArtifactEmbeddedError(undefined)).toBeUndefined();
  });

  it('reads CR.4102 as 403 and CR.5000 as 500, with the message', () => {
    expect(
      detectArtifactEmbeddedError({ status: 'error', error_code: 'CR.4102', error_msg: 'You do not have permissions on the project.' }),
    ).toEqual({
      upstreamCode: 'CR.4102',
      message: 'You do not have permissions on the project.',
      status: 403,
    });
    expect(detectArtifactEmbeddedError({ error_code: 'CR.5000', error_msg: 'Unknown service error.' })).toMatchObject({
      upstreamCode: 'CR.5000',
      status: 500,
    });
  });

  it('treats any error_code, or a status other than success, as an error', () => {
    expect(detectArtifactEmbeddedError({ status: 'success', error_code: 'CR.4001' })).toMatchObject({
      upstreamCode: 'CR.4001',
      status: 400,
    });
    expect(detectArtifactEmbeddedError({ status: 'failed', result: null })).toEqual({
      upstreamCode: undefined,
      message: undefined,
      status: 400,
    });
  });

  it("reads what the upstream states about the request as 400, with its message (contract: failed envelopes are the caller's)", () => {
    expect(detectArtifactEmbeddedError({ error_code: 'DEV.00011001', error_msg: 'name exists' })).toEqual({
      upstreamCode: 'DEV.00011001',
      message: 'name exists',
      status: 400,
    });
    expect(detectArtifactEmbeddedError({ status: 'failed', trace_id: 't-9', result: 'repo exists' })).toEqual({
      upstreamCode: undefined,
      message: 'repo exists',
      status: 400,
    });
    expect(detectArtifactEmbeddedError({ error_code: 'CR.5001', error_msg: 'db down' })).toMatchObject({ status: 500 });
  });

  it('reads the message of a failed envelope under an error status too', () => {
    expect(artifactErrorFormat.read({ status: 'failed', trace_id: 't', result: 'repo exists' })).toEqual({ message: 'repo exists' });
    expect(artifactErrorFormat.read({ error_code: 'CR.4102', error_msg: 'no' })).toEqual({ upstreamCode: 'CR.4102', message: 'no' });
    expect(artifactErrorFormat.read('<html>bad gateway</html>')).toEqual({});
  });
});

describe('artifact rows', () => {
  it('maps a list row: id from name, type from repoType, region from the row, zone-less times read in UPSTREAM_TIMEZONE', () => {
    expect(mapRepository(LIST_ROW, '+08:00')).toEqual({
      id: ID,
      name: '5465653',
      displayName: null,
      description: '1.0',
      format: 'CONAN',
      type: 'hosted',
      policy: null,
      status: 'active',
      projectId: null,
      tabId: null,
      url: null,
      includesPattern: '**/*',
      deploymentPolicy: null,
      shareRight: null,
      region: 'cn-north-7',
      packageType: 'conan',
      createdAt: '2022-08-22T09:14:55.000Z',
      updatedAt: '2023-10-16T12:05:59.000Z',
      createdBy: 'devcloud_devcloud_y00226182_01',
      createdUserId: 'e9253deb37654775bb3c411aca89153a',
      modifiedBy: null,
      modifiedUserId: null,
      disabled: false,
      releaseRepositoryName: null,
      snapshotRepositoryName: null,
      releaseStatus: null,
      snapshotStatus: null,
      allowAnonymous: null,
      autoCleanSnapshot: null,
      snapshotAliveDays: null,
      maxUniqueSnapshots: null,
      prefetchedStorage: null,
    });
    expect((mapRepository(LIST_ROW, 'Z') as { createdAt: string }).createdAt).toBe('2022-08-22T17:14:55.000Z');
  });

  it("reads the view's settings, the counts that are strings upstream, and a setting of another shape as null (not the whole row)", () => {
    const view = { ...LIST_ROW, release: 'testmaven', snapshot: 'testmaven', allowAnonymous: false, maxUniqueSnapshots: '10' };
    expect(mapRepository({ ...view, autoCleanSnapshot: null, snapshotAliveDays: '7' }, '+08:00')).toMatchObject({
      releaseRepositoryName: 'testmaven',
      snapshotRepositoryName: 'testmaven',
      allowAnonymous: false,
      autoCleanSnapshot: null,
      snapshotAliveDays: 7,
      maxUniqueSnapshots: 10,
    });
    expect(mapRepository({ ...view, maxUniqueSnapshots: 'ten', disable: 'maybe' }, '+08:00')).toMatchObject({
      id: ID,
      maxUniqueSnapshots: null,
      disabled: null,
    });
  });

  it('keeps the statistics of a row that carries them', () => {
    const row = { ...LIST_ROW, storageSummaryInfo: { filesCount: 4, usedSpace: '1.97 MB' } };
    expect((mapRepository(row, '+08:00') as { prefetchedStorage: unknown }).prefetchedStorage).toEqual({
      filesCount: 4,
      usedSpace: '1.97 MB',
      usedBytes: 2065695,
    });
  });

  it('cannot map a row without its id, and says why', () => {
    const mapped = mapRepository({ ...LIST_ROW, name: null }, '+08:00');
    expect(mapped).toBeInstanceOf(UpstreamBadResponseError);
    expect((mapped as UpstreamBadResponseError).detail).toContain('name');
  });

  it('leaves an unreadable row out of a list with its position, keeping the others', () => {
    const rows = mapRows([LIST_ROW, { ...LIST_ROW, name: 7 }, { ...LIST_ROW, name: ID.replace('_5', '_6') }], 40, (r) =>
      mapRepository(r, '+08:00'),
    );
    expect(rows.rows.map((r) => r.position)).toEqual([40, 42]);
    expect(rows.leftOut).toEqual([{ position: 41, id: null, reason: expect.stringContaining('name') }]);
  });

  it('reads every time format the upstream writes as UTC', () => {
    const hit = mapArtifact(
      { name: 'mod.txt', relativePath: '1/1/mod.txt', created: '1701220753711', modified: '2023-11-29T09:19:13.711+08:00' },
      '+08:00',
    );
    expect(hit).toMatchObject({ createdAt: '2023-11-29T01:19:13.711Z', updatedAt: '2023-11-29T01:19:13.711Z' });
    const audit = mapAuditLog({ id: 2271182, time: '2023/10/27 15:46:19' }, '+08:00');
    expect(audit).toMatchObject({ id: '2271182', time: '2023-10-27T07:46:19.000Z' });
  });

  it('drops a Maven password unless the gateway exposes them', () => {
    const row = { name: 'cn-north-7_d_maven_5_120', password: '6qY_h]3H9=', username: 'u' };
    expect(mapMavenRepository(row, false)).toMatchObject({ username: 'u', password: null });
    expect(mapMavenRepository(row, true)).toMatchObject({ password: '6qY_h]3H9=' });
  });

  it('reads formats and regions of ids', () => {
    expect(formatOf('maven2')).toBe('MAVEN2');
    expect(formatOf('maven')).toBe('MAVEN2');
    // A format the schema does not know is UNKNOWN (contract: enums answer UNKNOWN), no format is null.
    expect(formatOf('helm')).toBe('UNKNOWN');
    expect(formatOf(null)).toBeNull();
    expect(regionOfRepositoryId('ap-southeast-3_abc_pypi_4')).toBe('ap-southeast-3');
    expect(regionOfRepositoryId('no-region')).toBeNull();
  });
});

describe('the password-reset answer', () => {
  it('keeps the documented account fields only: a password in the answer goes no further', () => {
    const account = mapArtifactAccount(
      { id: 3000110176, userName: 'u', repoNumber: 58, password: 'n3w-Secret', newPassword: 'x' },
      '+08:00',
    );
    expect(account).toMatchObject({ id: '3000110176', userName: 'u', repositoryCount: 58 });
    expect(JSON.stringify(account)).not.toContain('n3w-Secret');
  });
});
