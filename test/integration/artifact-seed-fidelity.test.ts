import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { CALLER_TOKEN_ALICE } from '../helpers/secrets';
import { SIMULATED } from '../../src/simulators';
import { SEED_USER_ID, repoId } from '../../src/simulators/artifact-seed';

/**
 * What the seed documents reaches the upstream and comes back: every documented parameter is
 * sent, every documented answer field is served (or withheld for a stated reason), and the
 * simulator refuses what the seed's types refuse.
 */
describe('artifact: the seed, parameter by parameter and field by field', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ redis: false, env: { RESULT_CACHE_TTL_SECONDS: '0' } });
    gw.sims.identities.accept(CALLER_TOKEN_ALICE, { user: 'alice', projects: new Set([SIMULATED.codeartsProjectId]) });
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    gw.sims.artifact.resetCalls().clearFaults();
  });
  const lastCall = () => gw.sims.artifact.calls[gw.sims.artifact.calls.length - 1];
  const lastQuery = () => Object.fromEntries(new URLSearchParams(lastCall()?.query));

  it('edits a non-Maven repository with the four settings of Table 4-22 (counts as strings) and serves them back', async () => {
    const id = repoId('pypi_41');
    const res = await gw.query(
      `mutation($ids: [ID!]) { updateRepository(input: { format: PYPI, name: "test-pypi", repositoryIds: $ids,
        autoCleanSnapshot: true, snapshotAliveDays: 30, maxUniqueSnapshots: 5, allowAnonymous: true }) {
        ok repository { id autoCleanSnapshot snapshotAliveDays maxUniqueSnapshots allowAnonymous } } }`,
      { ids: [id] },
    );
    expect(res.body.errors).toBeUndefined();
    const put = gw.sims.artifact.calls.find((c) => c.method === 'PUT');
    expect(JSON.parse(put?.body ?? '')).toEqual({
      repo_name: 'test-pypi',
      format: 'pypi',
      repository_ids: [id],
      auto_clean_snapshot: true,
      snapshot_alive_days: '30',
      max_unique_snapshots: '5',
      allow_anonymous: true,
    });
    expect(res.body.data?.updateRepository).toEqual({
      ok: true,
      repository: { id, autoCleanSnapshot: true, snapshotAliveDays: 30, maxUniqueSnapshots: 5, allowAnonymous: true },
    });
  });

  it('refuses those settings for Maven (its edit takes none of them) and a count out of range, before any call', async () => {
    const maven = await gw.query(
      `mutation { updateRepository(input: { format: MAVEN2, name: "m", tabId: "t_1", allowAnonymous: true }) { ok } }`,
    );
    expect(maven.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.allowAnonymous' });
    const negative = await gw.query(
      `mutation { updateRepository(input: { format: PYPI, name: "p", repositoryIds: ["${repoId('pypi_41')}"], snapshotAliveDays: -1 }) { ok } }`,
    );
    expect(negative.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.snapshotAliveDays' });
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('the simulator refuses what Table 4-22 types refuse: a count that is not a string, a flag that is not a Boolean', async () => {
    const put = (body: unknown) =>
      fetch(`${gw.sims.artifact.url}/cloudartifact/v5/artifact/`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-auth-token': CALLER_TOKEN_ALICE },
        body: JSON.stringify(body),
      });
    const base = { repo_name: 'x', format: 'pypi', repository_ids: [repoId('pypi_41')] };
    const count = await put({ ...base, snapshot_alive_days: 30 });
    expect(count.status).toBe(400);
    expect(await count.json()).toMatchObject({ error_msg: 'snapshot_alive_days must be a String of digits.' });
    const flag = await put({ ...base, allow_anonymous: 'yes' });
    expect(flag.status).toBe(400);
    expect(await flag.json()).toMatchObject({ error_msg: 'allow_anonymous must be a Boolean.' });
  });

  it('creates without a project when none is given (project_id is optional in the seed)', async () => {
    const res = await gw.query(
      `mutation { createRepository(input: { format: RPM, name: "no-project" }) { ok repository { id projectId } } }`,
    );
    expect(res.body.data?.createRepository).toMatchObject({ ok: true, repository: { projectId: null } });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).not.toHaveProperty('project_id');
  });

  it('sends group_id and sort on the repository list', async () => {
    const res = await gw.query(`{ repositories(filter: { groupId: "g-1", format: CONAN }, sort: "name", first: 5) { totalCount } }`);
    expect(res.body.errors).toBeUndefined();
    expect(lastQuery()).toMatchObject({ group_id: 'g-1', sort: 'name', format: 'conan', is_need_paging: 'true' });
  });

  it('sends instance_id on storage trend, audit, tree and file detail, and user_id on audit (which filters by it)', async () => {
    const m108 = repoId('maven_1_108');
    await gw.query(`{ storageTrend(repositoryId: "${m108}", instanceId: "i-1") { date } }`);
    expect(lastQuery()).toMatchObject({ repo: m108, instance_id: 'i-1' });
    await gw.query(`{ repositoryTree(repositoryName: "${m108}", path: "/", instanceId: "i-2") { total } }`);
    expect(lastQuery()).toMatchObject({ path: '/', instance_id: 'i-2' });
    await gw.query(`{ artifactFile(repositoryName: "${repoId('go_19')}", path: "/x", format: GO, instanceId: "i-3") { name } }`);
    expect(lastQuery()).toMatchObject({ format: 'go', instance_id: 'i-3' });

    const audit = (user: string) =>
      gw.query(`{ auditLogs(repositoryId: "${m108}", module: "file", userId: "${user}", instanceId: "i-4") {
        totalCount nodes { id operation reason } } }`);
    const mine = await audit(SEED_USER_ID);
    expect(lastQuery()).toMatchObject({ user_id: SEED_USER_ID, instance_id: 'i-4', page_num: '1' });
    expect(mine.body.data?.auditLogs).toEqual({ totalCount: 1, nodes: [{ id: '2271182', operation: 'upload', reason: null }] });
    const others = await audit('0'.repeat(32));
    expect(others.body.data?.auditLogs).toEqual({ totalCount: 0, nodes: [] });
  });

  it('sends include_pattern on recycle-bin deletion only; restoring refuses it before any call', async () => {
    const [id] = gw.sims.artifact.addRepositories(1, { format: 'npm', label: 'bin' });
    await gw.query(`mutation { moveRepositoriesToRecycleBin(format: NPM, ids: ["${id}"]) { ok } }`);
    const item = `{ id: "${id}", format: NPM, uri: "${id}/", includePattern: "**/*" }`;
    const restore = await gw.query(`mutation { restoreFromRecycleBin(items: [${item}]) { ok } }`);
    expect(restore.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'items[0].includePattern' });
    gw.sims.artifact.resetCalls();
    const purge = await gw.query(`mutation { deleteFromRecycleBin(items: [${item}]) { ok } }`);
    expect(purge.body).toEqual({ data: { deleteFromRecycleBin: { ok: true } } });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual([
      { id, format: 'npm', uri: `${id}/`, status: 'active', include_pattern: '**/*' },
    ]);
  });

  it("serves the view's documented fields (seed 4.2.3) and the list's creator id (4.7.1)", async () => {
    const view = await gw.query(`{ repository(id: "${repoId('maven_1_201')}") {
      disabled releaseRepositoryName snapshotRepositoryName releaseStatus allowAnonymous maxUniqueSnapshots autoCleanSnapshot snapshotAliveDays } }`);
    expect(view.body.data?.repository).toEqual({
      disabled: false,
      releaseRepositoryName: 'testmaven',
      snapshotRepositoryName: 'testmaven',
      releaseStatus: 'active',
      allowAnonymous: false,
      maxUniqueSnapshots: 10,
      autoCleanSnapshot: null,
      snapshotAliveDays: null,
    });
    const list = await gw.query(`{ repositories(filter: { format: CONAN }, first: 1) { nodes { id createdUserId modifiedBy } } }`);
    expect(list.body.data?.repositories).toEqual({
      nodes: [{ id: repoId('conan_5'), createdUserId: SEED_USER_ID, modifiedBy: 'devcloud_devcloud_y00226182_01' }],
    });
  });

  it('answers a format it does not know as UNKNOWN, and refuses UNKNOWN as an argument before any call', async () => {
    const [id] = gw.sims.artifact.addRepositories(1, { format: 'helm', label: 'charts' });
    const res = await gw.query(`{ repository(id: "${id}") { id format } }`);
    expect(res.body.data?.repository).toEqual({ id, format: 'UNKNOWN' });
    gw.sims.artifact.resetCalls();
    const refused = await gw.query(`{ repositories(filter: { format: UNKNOWN }) { totalCount } }`);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'format' });
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('resetArtifactDeployPassword answers the account of the seed (4.6.1), never a password', async () => {
    const res = await gw.query(`mutation { resetArtifactDeployPassword { ok traceId account {
      id userId userName userType domainId region repositoryUserName innerRepositoryUserName repositoryCount status createdAt } } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.resetArtifactDeployPassword).toMatchObject({
      ok: true,
      traceId: expect.stringMatching(/^143002-/),
      account: {
        id: '3000110176',
        userType: 'personal',
        domainId: SIMULATED.domainId,
        region: 'cn-north-7',
        repositoryCount: expect.any(Number),
        status: 0,
        createdAt: '2021-05-19T11:50:30.000Z',
      },
    });
  });
});
