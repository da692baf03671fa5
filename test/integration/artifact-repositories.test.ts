import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SEED_PROJECT, repoId } from '../../src/simulators/artifact-seed';

const STATS = /^\/cloudartifact\/v5\/[^/]+\/[^/]+\/[^/]+\/repositories$/;
const LIST = /^\/cloudartifact\/v5\/[^/]+\/[^/]+\/repositories$/;

describe('artifact repositories: lookups, lists and paging', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    gw.sims.artifact.resetCalls().clearFaults().clearRowOverrides();
  });

  const calls = (re: RegExp) => gw.sims.artifact.calls.filter((c) => re.test(c.path));

  it('answers a repository by id from the view call, with the seed example fields mapped', async () => {
    const res = await gw.query(
      `query($id: ID!) {
      repository(id: $id) { id name description format type status projectId tabId includesPattern deploymentPolicy shareRight region packageType url }
    }`,
      { id: repoId('maven_1_201') },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.repository).toEqual({
      id: repoId('maven_1_201'),
      name: 'testmaven',
      description: '12',
      format: 'MAVEN2',
      type: 'hosted',
      status: 'active',
      projectId: SEED_PROJECT,
      tabId: '5a775fdcb14f4431b6c0015618140bc3_tab_maven2_201',
      includesPattern: '**/*',
      deploymentPolicy: 'allowRedeploy',
      shareRight: 'PROJECT',
      // The view call leaves region null: it comes from the id's prefix.
      region: 'cn-north-7',
      packageType: 'maven',
      url: `https://devrepo.devcloud.cn-north-7.ulangab.huawei.com/artgalaxy/${repoId('maven_1_201')}/`,
    });
    expect(gw.sims.artifact.calls.map((c) => c.path)).toEqual([`/cloudartifact/v5/repositories/${repoId('maven_1_201')}`]);
  });

  it('answers null for a repository the upstream does not know, and BAD_USER_INPUT for a malformed id without calling upstream', async () => {
    const missing = await gw.query(`{ repository(id: "${repoId('pypi_999')}") { id } }`);
    expect(missing.body).toEqual({ data: { repository: null } });

    gw.sims.artifact.resetCalls();
    const bad = await gw.query(`{ repository(id: "not a repository") { id } }`);
    expect(bad.body.data?.repository).toBeNull();
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('pages the tenant list across upstream pages with opaque cursors, totalCount and no gaps or repeats', async () => {
    const q = `query($after: String) {
      repositories(first: 4, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id name format createdAt } }
      }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    let total = -1;
    for (let page = 0; page < 10; page++) {
      const res = await gw.query(q, { after });
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data?.repositories as {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
        edges: Array<{ cursor: string; node: { id: string } }>;
      };
      total = conn.totalCount;
      expect(conn.pageInfo.hasPreviousPage).toBe(page > 0);
      for (const e of conn.edges) expect(e.cursor).not.toContain(e.node.id);
      seen.push(...conn.edges.map((e) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(total).toBeGreaterThan(8);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // One list call per page, each asking page_no n of size 4.
    const pages = calls(LIST).map((c) => new URLSearchParams(c.query));
    expect(pages.map((p) => [p.get('page_no'), p.get('page_size')])).toEqual(
      Array.from({ length: Math.ceil(total / 4) }, (_, i) => [String(i + 1), '4']),
    );
    expect(pages.every((p) => p.get('in_project') === 'false' && p.get('is_need_paging') === 'true')).toBe(true);
  });

  it('serves a window that straddles two upstream pages (cursor from a different page size)', async () => {
    const all = await gw.query(`{ repositories(first: 10) { nodes { id } edges { cursor } } }`);
    const ids = (all.body.data?.repositories as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id);
    const third = (all.body.data?.repositories as { edges: Array<{ cursor: string }> }).edges[2]?.cursor;
    const res = await gw.query(`query($a: String) { repositories(first: 4, after: $a) { nodes { id } } }`, { a: third });
    expect((res.body.data?.repositories as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual(ids.slice(3, 7));
  });

  it('filters by format, formats, type, free text, project and recycle bin, passing each to the upstream', async () => {
    const ids = async (filter: string, project = '') => {
      const res = await gw.query(`{ repositories(${project}filter: ${filter}, first: 50) { totalCount nodes { id } } }`);
      expect(res.body.errors).toBeUndefined();
      return (res.body.data?.repositories as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id);
    };
    expect(await ids('{ format: CONAN }')).toEqual([repoId('conan_5'), repoId('conan_6'), repoId('conan_8')]);
    expect(await ids('{ formats: [GO, PYPI] }')).toEqual([repoId('pypi_40'), repoId('pypi_41'), repoId('go_19')]);
    expect(await ids('{ type: "virtual" }')).toEqual([repoId('maven_5_120')]);
    expect(await ids('{ search: "pypi" }')).toEqual([repoId('pypi_40'), repoId('pypi_41')]);
    expect(await ids('{ inRecycleBin: true }')).toEqual([repoId('maven_2_23'), repoId('go_4'), repoId('debian_43')]);
    expect(await ids('{ format: PYPI }', `projectId: "${SEED_PROJECT}", `)).toEqual([repoId('pypi_40'), repoId('pypi_41')]);

    const sent = calls(LIST).map((c) => new URLSearchParams(c.query));
    expect(sent[0]?.get('format')).toBe('conan');
    expect(sent[1]?.get('format_list')).toBe('go,pypi');
    expect(sent[2]?.get('type')).toBe('virtual');
    expect(sent[3]?.get('qname')).toBe('pypi');
    expect(sent[4]?.get('is_recycle_bin')).toBe('true');
    expect(sent[5]?.get('in_project')).toBe('true');
    expect(calls(LIST)[5]?.path).toContain(`/${SEED_PROJECT}/repositories`);
  });

  it('refuses format and formats together, a bad cursor and a too large first, before any upstream call', async () => {
    const both = await gw.query(`{ repositories(filter: { format: GO, formats: [NPM] }) { totalCount } }`);
    const cursor = await gw.query(`{ repositories(after: "bm90LWEtY3Vyc29y") { totalCount } }`);
    const tooMany = await gw.query(`{ repositories(first: 101) { totalCount } }`);
    const project = await gw.query(`{ repositories(projectId: "short") { totalCount } }`);
    for (const res of [both, cursor, tooMany, project]) {
      expect(res.body.data?.repositories).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it("lists a project's associated repositories", async () => {
    const res = await gw.query(
      `query($p: ID) { projectRepositories(projectId: $p) { id name type policy createdAt updatedAt createdBy } }`,
      { p: SEED_PROJECT },
    );
    expect(res.body.errors).toBeUndefined();
    const rows = res.body.data?.projectRepositories as Array<Record<string, unknown>>;
    expect(rows[0]).toEqual({
      id: repoId('maven_1_11'),
      name: 'maven-test-20220120',
      type: 'hosted',
      policy: 'release',
      // "2022-01-20 18:23:17" and "2023-11-28 11:25:22" are UTC+8 wall clock.
      createdAt: '2022-01-20T10:23:17.000Z',
      updatedAt: '2023-11-28T03:25:22.000Z',
      createdBy: 'devcloud_devcloud_y00226182_01',
    });
    expect(calls(/maven\/repository\/list$/)[0]?.query).toBe(`?project_id=${SEED_PROJECT}`);
  });

  it('drops a row it cannot map (no id) with an error at the list path, keeping the rest of the page', async () => {
    gw.sims.artifact.overrideRow(repoId('conan_6'), { name: null });
    const res = await gw.query(`{ list: repositories(filter: { format: CONAN }) { totalCount nodes { id } edges { cursor } } }`);
    const conn = res.body.data?.list as { totalCount: number; nodes: Array<{ id: string }>; edges: Array<{ cursor: string }> };
    expect(conn.totalCount).toBe(3);
    expect(conn.nodes.map((n) => n.id)).toEqual([repoId('conan_5'), repoId('conan_8')]);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({ path: ['list'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream: 'artifact' } });
    expect(res.body.errors?.[0]?.message).toContain('position 1');

    // A gateway with a cold cache: the project list above is cached on this one.
    const fresh = await startTestGateway({ sims: gw.sims });
    try {
      gw.sims.artifact.overrideRow(repoId('maven_1_11'), { name: '' });
      const dropped = await fresh.query(`{ projectRepositories(projectId: "${SEED_PROJECT}") { id } }`);
      expect(dropped.body.data?.projectRepositories).toEqual([
        { id: repoId('maven_1_201') },
        { id: repoId('maven_2_201') },
        { id: repoId('maven_5_120') },
      ]);
      expect(dropped.body.errors?.[0]).toMatchObject({ path: ['projectRepositories'], extensions: { code: 'UPSTREAM_BAD_RESPONSE' } });
    } finally {
      await fresh.close();
    }
  });
});

describe('artifact Repository.storage: one statistics call per distinct repository, cached', () => {
  let gw: TestGateway;
  let ids: string[];
  beforeAll(async () => {
    gw = await startTestGateway();
    ids = gw.sims.artifact.addRepositories(25, { format: 'nuget', label: 'batch', filesEach: 2 });
  });
  afterAll(() => gw.close());

  const statsCalls = () => gw.sims.artifact.calls.filter((c) => STATS.test(c.path));
  const q = `{ repositories(filter: { format: NUGET }, first: 25) { nodes { id storage { filesCount usedSpace usedBytes } } } }`;

  it('asks 25 statistics calls for 25 repositories (with the region from the id), and none on a warm cache', async () => {
    gw.sims.artifact.resetCalls();
    const cold = await gw.query(q);
    expect(cold.body.errors).toBeUndefined();
    const nodes = (
      cold.body.data?.repositories as {
        nodes: Array<{ id: string; storage: { filesCount: number; usedBytes: number; usedSpace: string } }>;
      }
    ).nodes;
    expect(nodes.map((n) => n.id)).toEqual(ids);
    // 2,512 bytes are written "2.45 KB"; usedBytes is read back from that text (1024-based).
    expect(nodes[0]?.storage).toEqual({ filesCount: 2, usedSpace: '2.45 KB', usedBytes: 2509 });
    expect(statsCalls()).toHaveLength(25);
    expect(new Set(statsCalls().map((c) => c.path)).size).toBe(25);
    expect(statsCalls().every((c) => c.query === '?region=cn-north-7')).toBe(true);

    gw.sims.artifact.resetCalls();
    const warm = await gw.query(q);
    expect(warm.body).toEqual(cold.body);
    expect(statsCalls()).toHaveLength(0);
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('shares the calls of concurrent cold requests: two identical queries at once cost one set of calls', async () => {
    const gw2 = await startTestGateway({ sims: gw.sims });
    try {
      gw.sims.artifact.resetCalls().setLatency(30);
      const [a, b] = await Promise.all([gw2.query(q), gw2.query(q)]);
      expect(a.body.errors).toBeUndefined();
      expect(b.body).toEqual(a.body);
      expect(statsCalls()).toHaveLength(25);
    } finally {
      gw.sims.artifact.setLatency(0);
      await gw2.close();
    }
  });

  it('asks once per distinct repository however many fields ask for it in one operation', async () => {
    const gw2 = await startTestGateway({ sims: gw.sims });
    try {
      gw.sims.artifact.resetCalls();
      const [a, b] = ids;
      const res = await gw2.query(
        `query($a: ID!, $b: ID!) {
        x: repository(id: $a) { storage { filesCount } }
        y: repository(id: $a) { storage { usedBytes } }
        z: repository(id: $b) { storage { filesCount } }
        list: repositories(filter: { format: NUGET }, first: 3) { nodes { storage { usedSpace } } }
      }`,
        { a, b },
      );
      expect(res.body.errors).toBeUndefined();
      expect(statsCalls()).toHaveLength(3);
    } finally {
      await gw2.close();
    }
  });
});
