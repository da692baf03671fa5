import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { SEED_PROJECT, repoId } from '../../src/simulators/artifact-seed';

const GO = repoId('go_19');
const MAVEN = repoId('maven_1_108');
const PYPI = repoId('pypi_40');

describe('artifact files, searches, following, audit logs and storage', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { RESULT_CACHE_TTL_SECONDS: '300' } });
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    gw.sims.artifact.resetCalls().clearFaults().clearRowOverrides();
  });
  const lastCall = () => gw.sims.artifact.calls[gw.sims.artifact.calls.length - 1];

  it('coordinated search: POSTs the seed body and maps hits, epoch-string and offset times to UTC', async () => {
    const res = await gw.query(`{ searchArtifacts(name: "mod.txt", format: PYPI, projectId: null, first: 10) {
      totalCount pageInfo { hasNextPage } nodes { name path repositoryId repositoryName format createdBy createdAt updatedAt }
    } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.searchArtifacts).toEqual({
      // A short last page tells the total the upstream does not give.
      totalCount: 1,
      pageInfo: { hasNextPage: false },
      nodes: [
        {
          name: 'mod.txt',
          path: '1/1/mod.txt',
          repositoryId: PYPI,
          repositoryName: 'testpypi',
          format: 'pypi',
          createdBy: 'devcloud_devcloud_y00226182_01',
          // "created": "1701220753711" (epoch ms as a string), "modified": "2023-11-29T09:19:13.711+08:00"
          createdAt: '2023-11-29T01:19:13.711Z',
          updatedAt: '2023-11-29T01:19:13.711Z',
        },
      ],
    });
    expect(lastCall()).toMatchObject({ method: 'POST', path: '/cloudartifact/v5/tree/repos/artifacts' });
    expect(JSON.parse(lastCall()?.body ?? '')).toEqual({
      artifact_name: 'mod.txt',
      artifact_type: 'pypi',
      page_no: 1,
      page_size: 10,
      in_project: false,
    });
  });

  it("coordinated search answers the seed's own example body (project e2ee…, in_project true) with mod.txt", async () => {
    const res = await gw.query(`{ searchArtifacts(name: "mod.txt", format: PYPI, projectId: "${SEED_PROJECT}", first: 10) {
      nodes { name path repositoryId repositoryName } } }`);
    expect(res.body.data?.searchArtifacts).toEqual({
      nodes: [{ name: 'mod.txt', path: '1/1/mod.txt', repositoryId: PYPI, repositoryName: 'testpypi' }],
    });
    expect(JSON.parse(lastCall()?.body ?? '')).toEqual({
      artifact_name: 'mod.txt',
      artifact_type: 'pypi',
      page_no: 1,
      page_size: 10,
      project_id: SEED_PROJECT,
      in_project: true,
    });
  });

  it('coordinated search pages on without a total: a full page says more may follow', async () => {
    gw.sims.artifact.addRepositories(3, { format: 'rpm', label: 'pages', filesEach: 1 });
    const q = `query($after: String) { searchArtifacts(name: "file-0", format: RPM, first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { repositoryId }
    } }`;
    const first = await gw.query(q, {});
    const one = first.body.data?.searchArtifacts as {
      totalCount: number | null;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: unknown[];
    };
    expect(one.totalCount).toBeNull();
    expect(one.pageInfo.hasNextPage).toBe(true);
    expect(one.nodes).toHaveLength(2);
    const second = await gw.query(q, { after: one.pageInfo.endCursor });
    expect(second.body.data?.searchArtifacts).toMatchObject({
      totalCount: 3,
      pageInfo: { hasNextPage: false },
      nodes: [{ repositoryId: expect.any(String) }],
    });
  });

  it("checksum search answers the seed's own example (project e2ee…, pypi) with mod.txt; a malformed checksum is refused before any call", async () => {
    const res = await gw.query(
      `{ artifactsByChecksum(checksum: "EB05A9DF1E3403A5F54E03DE073A6CE6", format: PYPI, projectId: "${SEED_PROJECT}", first: 10) {
        totalCount nodes { name path repositoryId repositoryName } } }`,
    );
    expect(res.body.data?.artifactsByChecksum).toEqual({
      totalCount: 1,
      nodes: [{ name: 'mod.txt', path: '1/1/mod.txt', repositoryId: PYPI, repositoryName: 'testpypi' }],
    });
    // The seed's example request: checksum=eb05…&page_no=1&page_size=10&in_project=true&project_id=e2ee…&format=pypi
    const sent = new URLSearchParams(lastCall()?.query);
    expect(Object.fromEntries(sent)).toEqual({
      checksum: 'eb05a9df1e3403a5f54e03de073a6ce6',
      page_no: '1',
      page_size: '10',
      format: 'pypi',
      in_project: 'true',
      project_id: SEED_PROJECT,
    });
    const tenant = await gw.query(
      `{ artifactsByChecksum(checksum: "eb05a9df1e3403a5f54e03de073a6ce6") { totalCount nodes { name path repositoryId } } }`,
    );
    expect(tenant.body.data?.artifactsByChecksum).toEqual({
      totalCount: 1,
      nodes: [{ name: 'mod.txt', path: '1/1/mod.txt', repositoryId: PYPI }],
    });

    gw.sims.artifact.resetCalls();
    const bad = await gw.query(`{ artifactsByChecksum(checksum: "xyz") { totalCount } }`);
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'checksum' });
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('walks the file tree, including the recycle bin, and answers null for a path that does not exist', async () => {
    const tree = `query($repo: String!, $path: String!, $bin: Boolean) {
      repositoryTree(repositoryName: $repo, path: $path, inRecycleBin: $bin) { uri total uploadAccess children { name path folder hasChildren size modifiedAt modifiedBy } }
    }`;
    const root = await gw.query(tree, { repo: MAVEN, path: '/1/1' });
    expect(root.body.errors).toBeUndefined();
    expect(root.body.data?.repositoryTree).toEqual({
      uri: `/${MAVEN}/1/1`,
      total: 2,
      uploadAccess: false,
      children: [
        {
          name: '1-1-1.jar',
          path: `${MAVEN}/1/1/1-1-1.jar`,
          folder: false,
          hasChildren: false,
          size: '1,009.15 KB',
          modifiedAt: '2023-11-29T01:54:22.000Z',
          modifiedBy: 'devcloud_devcloud_y00226182_01',
        },
        {
          name: '1-1-1.pom',
          path: `${MAVEN}/1/1/1-1-1.pom`,
          folder: false,
          hasChildren: false,
          size: '1 KB',
          modifiedAt: '2023-10-27T07:46:19.000Z',
          modifiedBy: 'devcloud_devcloud_y00226182_01',
        },
      ],
    });
    expect(lastCall()?.path).toBe(`/cloudartifact/v5/${SIMULATED.domainId}/${SIMULATED.codeartsProjectId}/${MAVEN}/file-tree`);

    const bin = await gw.query(tree, { repo: MAVEN, path: '/', bin: true });
    expect(bin.body.data?.repositoryTree).toMatchObject({
      total: 1,
      children: [{ name: '1', path: `${MAVEN}/1`, folder: true, hasChildren: true, size: null, modifiedAt: '2023-11-29T01:56:51.000Z' }],
    });
    expect(new URLSearchParams(lastCall()?.query).get('is_recycle_bin')).toBe('true');

    const missing = await gw.query(tree, { repo: MAVEN, path: '/no/such/dir' });
    expect(missing.body).toEqual({ data: { repositoryTree: null } });
  });

  it('drops an unreadable tree node with an error at its children path', async () => {
    gw.sims.artifact.inject(
      {
        kind: 'status',
        status: 200,
        json: {
          status: 'success',
          trace_id: 't',
          result: { children: [{ name: 'ok', path: `${GO}/ok`, folder: true }, { folder: false }], total: 2, uri: `/${GO}` },
        },
      },
      { times: 1 },
    );
    const res = await gw.query(`{ tree: repositoryTree(repositoryName: "${GO}", path: "/x") { total children { name } } }`);
    expect(res.body.data?.tree).toEqual({ total: 2, children: [{ name: 'ok' }] });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: ['tree', 'children'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'artifact' } }),
    ]);
  });

  it('reads file details with checksums and download info; a missing file is null', async () => {
    const q = `query($path: String!) { artifactFile(repositoryName: "${GO}", path: $path, format: GO) {
      repositoryId path name size displaySize mimeType createdAt updatedAt createdBy modifiedBy downloadUri downloadCount followed
      checksums { md5 sha1 sha256 sha512 }
    } }`;
    const res = await gw.query(q, { path: '/up/up/9Hn1036zgQql4G805Ufb43H4s1t984' });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.artifactFile).toEqual({
      repositoryId: GO,
      path: '/up/up/9Hn1036zgQql4G805Ufb43H4s1t984',
      name: '9Hn1036zgQql4G805Ufb43H4s1t984',
      size: 1056,
      displaySize: '1.03 KB',
      mimeType: null,
      createdAt: '2023-11-14T11:29:46.000Z',
      updatedAt: '2023-11-14T11:29:46.000Z',
      createdBy: 'devcloud_devcloud_y00226182_01',
      modifiedBy: 'devcloud_devcloud_y00226182_01',
      downloadUri: `https://cloudartifacts-backend.cn-north-7.myhuaweicloud.com/artgalaxy/${GO}/up/up/9Hn1036zgQql4G805Ufb43H4s1t984`,
      downloadCount: 0,
      followed: false,
      checksums: {
        md5: 'af5b0888060bcdabc8a5440251556461',
        sha1: '20691eee689efdf42e926b52b6f84c51439ab054',
        sha256: '806f31bccdf84d133de1b307834e7f4f07810b4f5204bd449ce088c051513a4',
        sha512:
          '86b14ee38fbe9b33184b018dd7740c75acb994292a2f71db7af9952ecb7676fe759fc3207ab4d5b7f76252c0e3a6683c00e7c0af3cb73282ee05a5441e72c',
      },
    });
    expect(Object.fromEntries(new URLSearchParams(lastCall()?.query))).toEqual({
      path: '/up/up/9Hn1036zgQql4G805Ufb43H4s1t984',
      format: 'go',
    });
    const missing = await gw.query(q, { path: '/up/none' });
    expect(missing.body).toEqual({ data: { artifactFile: null } });
  });

  it('follows and unfollows a file: the following list and the file detail change at once', async () => {
    const list = `{ followedArtifacts(first: 10) { totalCount nodes { id artifactId path repositoryId repositoryName format policy modifiedAt modifiedBy } } }`;
    const before = await gw.query(list);
    expect(before.body.data?.followedArtifacts).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: '43e78ea4903d468db517e069ab91ce1c',
          artifactId: `${MAVEN}/1/1/1-1-1.jar`,
          path: `${MAVEN}/1/1/1-1-1.jar`,
          repositoryId: MAVEN,
          repositoryName: 'maven1',
          format: 'maven2',
          policy: 'release',
          modifiedAt: '2023-11-29T01:54:22.000Z',
          modifiedBy: 'devcloud_devcloud_y00226182_01',
        },
      ],
    });
    const file = `${GO}/up/up/9Hn1036zgQql4G805Ufb43H4s1t984`;
    const detail = `{ artifactFile(repositoryName: "${GO}", path: "/up/up/9Hn1036zgQql4G805Ufb43H4s1t984", format: GO) { followed } }`;
    expect((await gw.query(detail)).body.data?.artifactFile).toEqual({ followed: false });

    gw.sims.artifact.resetCalls();
    const follow = await gw.query(`mutation($ids: [ID!]!) { followArtifacts(ids: $ids, format: GO) { ok traceId } }`, { ids: [file] });
    expect(follow.body.data?.followArtifacts).toEqual({ ok: true, traceId: expect.any(String) });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({ attention: '1', ids: [file], format: 'go' });
    const after = await gw.query(list);
    expect((after.body.data?.followedArtifacts as { totalCount: number }).totalCount).toBe(2);
    expect((await gw.query(detail)).body.data?.artifactFile).toEqual({ followed: true });

    gw.sims.artifact.resetCalls();
    const unfollow = await gw.query(`mutation($ids: [ID!]!) { unfollowArtifacts(ids: $ids) { ok } }`, { ids: [file] });
    expect(unfollow.body.data?.unfollowArtifacts).toEqual({ ok: true });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({ attention: '0', ids: [file] });
    expect((await gw.query(list)).body.data?.followedArtifacts).toMatchObject({ totalCount: 1 });
    expect((await gw.query(detail)).body.data?.artifactFile).toEqual({ followed: false });
  });

  it('deletes a non-Maven file into the recycle bin and restores it from there', async () => {
    const file = `${GO}/down/down/GOR7zo553IL44I063cdVKui7n58078`;
    const tree = (bin: boolean) =>
      gw.query(
        `query($bin: Boolean) { repositoryTree(repositoryName: "${GO}", path: "/down/down", inRecycleBin: $bin) { children { path } } }`,
        { bin },
      );
    expect((await tree(false)).body.data?.repositoryTree).toEqual({ children: [{ path: file }] });
    const usage = `{ storageUsage(formats: [GO]) { totalStorage totalBytes totalCount } }`;
    expect((await gw.query(usage)).body.data?.storageUsage).toEqual({ totalStorage: '3.03 KB', totalBytes: 3103, totalCount: 1 });

    gw.sims.artifact.resetCalls();
    const deleted = await gw.query(`mutation($p: String!) { deleteArtifactFile(path: $p) { ok message } }`, { p: file });
    expect(deleted.body.data?.deleteArtifactFile).toEqual({ ok: true, message: 'delete file success!' });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'DELETE', path: '/cloudartifact/v5/file' });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({ path: file });
    expect((await tree(false)).body.data?.repositoryTree).toBeNull();
    expect((await tree(true)).body.data?.repositoryTree).toEqual({ children: [{ path: file }] });
    expect((await gw.query(usage)).body.data?.storageUsage).toEqual({ totalStorage: '1.03 KB', totalBytes: 1055, totalCount: 1 });

    const again = await gw.query(`mutation($p: String!) { deleteArtifactFile(path: $p) { ok } }`, { p: file });
    expect(again.body.data?.deleteArtifactFile).toBeNull();
    expect(again.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: 'artifact' });

    const restored = await gw.query(`mutation($items: [RecycleBinItemInput!]!) { restoreFromRecycleBin(items: $items) { ok } }`, {
      items: [{ id: GO, format: 'GO', uri: file }],
    });
    expect(restored.body.data?.restoreFromRecycleBin).toEqual({ ok: true });
    expect((await tree(false)).body.data?.repositoryTree).toEqual({ children: [{ path: file }] });
  });

  it('pages audit logs with page_num (not page_no), newest first, with zone-less slash times in UTC', async () => {
    // Three updates of go_19 add three repository entries to its audit log.
    for (const description of ['a', 'b', 'c']) {
      const res = await gw.query(
        `mutation($d: String) { updateRepository(input: { format: GO, name: "go3", repositoryIds: ["${GO}"], description: $d }) { ok } }`,
        { d: description },
      );
      expect(res.body.errors).toBeUndefined();
    }
    gw.sims.artifact.resetCalls();
    const q = `query($after: String) { auditLogs(repositoryId: "${GO}", module: "repository", first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { id module operation time operator data }
    } }`;
    const first = await gw.query(q, {});
    const one = first.body.data?.auditLogs as {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string };
      nodes: Array<{ id: string; time: string }>;
    };
    expect(one.totalCount).toBe(3);
    expect(one.pageInfo.hasNextPage).toBe(true);
    expect(one.nodes[0]).toMatchObject({ module: 'repository', operation: 'update', operator: SIMULATED.iam.username, data: 'go3' });
    expect(one.nodes[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    const second = await gw.query(q, { after: one.pageInfo.endCursor });
    expect(second.body.data?.auditLogs).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: false } });
    const pages = gw.sims.artifact.calls.map((c) => Object.fromEntries(new URLSearchParams(c.query)));
    expect(pages).toEqual([
      { page_num: '1', page_size: '2' },
      { page_num: '2', page_size: '2' },
    ]);
    expect(gw.sims.artifact.calls[0]?.path).toBe(
      `/cloudartifact/v5/${SIMULATED.domainId}/${SIMULATED.codeartsProjectId}/repository/${GO}/audit`,
    );

    const seed = await gw.query(
      `{ auditLogs(repositoryId: "${MAVEN}", module: "file") { nodes { id operation time info data operator ipSource userAgent } } }`,
    );
    expect(seed.body.data?.auditLogs).toEqual({
      nodes: [
        {
          id: '2271182',
          operation: 'upload',
          // "2023/10/27 15:46:19" in UTC+8
          time: '2023-10-27T07:46:19.000Z',
          info: MAVEN,
          data: '1/1/1-1-1.jar',
          operator: 'devcloud_devcloud_y00226182_01',
          ipSource: '10.172.180.79',
          userAgent: 'Apache-HttpClient/4.5.13 (Java/1.8.0_232)',
        },
      ],
    });
    const missing = await gw.query(`{ auditLogs(repositoryId: "${repoId('go_404')}", module: "file") { totalCount } }`);
    expect(missing.body).toEqual({ data: { auditLogs: null } });
  });

  it('answers the storage trend of the seed with bytes from usedSpaceLength, and refuses a bad date range', async () => {
    const res = await gw.query(
      `{ storageTrend(repositoryId: "${MAVEN}", from: "2023-11-26", to: "2023-11-28") { date filesCount usedBytes usedSpace } }`,
    );
    expect(res.body.data?.storageTrend).toEqual([
      { date: '2023-11-26', filesCount: 2, usedBytes: 1034390, usedSpace: '1,010.15 KB' },
      { date: '2023-11-27', filesCount: 4, usedBytes: 2068780, usedSpace: '1.97 MB' },
      // An empty usedSpace is "no figure"; the reported length still says 0 bytes.
      { date: '2023-11-28', filesCount: 0, usedBytes: 0, usedSpace: null },
    ]);
    expect(Object.fromEntries(new URLSearchParams(lastCall()?.query))).toEqual({
      repo: MAVEN,
      start_time: '2023-11-26',
      end_time: '2023-11-28',
    });

    gw.sims.artifact.resetCalls();
    for (const [from, to] of [
      ['2023-11-28', '2023-11-26'],
      ['2023-02-30', '2023-03-01'],
      ['2023/11/26', '2023-11-28'],
      ['2020-01-01', '2023-01-01'],
    ]) {
      const bad = await gw.query(`query($f: String, $t: String) { storageTrend(from: $f, to: $t) { date } }`, { f: from, t: to });
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('answers tenant storage usage, with the format list and in_project passed on', async () => {
    const res = await gw.query(`{ storageUsage(formats: [CONAN, MAVEN2], inProject: true) { totalStorage totalBytes totalCount } }`);
    expect(res.body.errors).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(lastCall()?.query))).toEqual({ format_list: 'conan,maven2', in_project: 'true' });
    const usage = res.body.data?.storageUsage as { totalStorage: string; totalBytes: number; totalCount: number };
    expect(usage.totalCount).toBeGreaterThan(0);
    expect(usage.totalStorage).toMatch(/^[\d,.]+ (B|KB|MB)$/);
  });
});
