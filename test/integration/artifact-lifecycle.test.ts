import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { SEED_PROJECT, repoId, tabIdOf } from '../../src/simulators/artifact-seed';

interface Repo {
  id: string;
  name: string | null;
  description: string | null;
  format: string | null;
  status: string | null;
  includesPattern: string | null;
  deploymentPolicy: string | null;
}

const REPO_FIELDS = 'id name description format status includesPattern deploymentPolicy';

describe('artifact repository life: create → view → edit → recycle bin → restore → recycle bin → delete', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The default TTL: every step must see the previous mutation through the shared cache.
    gw = await startTestGateway({ env: { RESULT_CACHE_TTL_SECONDS: '300' } });
  });
  afterAll(() => gw.close());

  const view = async (id: string): Promise<Repo | null> => {
    const res = await gw.query(`query($id: ID!) { repository(id: $id) { ${REPO_FIELDS} } }`, { id });
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.repository as Repo | null;
  };
  const listed = async (inRecycleBin: boolean): Promise<string[]> => {
    const res = await gw.query(
      `query($bin: Boolean) { repositories(filter: { format: NPM, inRecycleBin: $bin }, first: 100) { nodes { id } } }`,
      {
        bin: inRecycleBin,
      },
    );
    expect(res.body.errors).toBeUndefined();
    return (res.body.data?.repositories as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id);
  };

  it('follows one npm repository through its whole life, each step visible despite a warm cache', async () => {
    // Warm the caches with "missing" and "not listed" before the repository exists.
    const expectedId = `cn-north-7_${SIMULATED.domainId}_npm_1`;
    expect(await view(expectedId)).toBeNull();
    expect(await listed(false)).toEqual([]);

    gw.sims.artifact.resetCalls();
    const created = await gw.query(
      `mutation($input: CreateRepositoryInput!) {
        createRepository(input: $input) { ok traceId releaseRepositoryId repository { ${REPO_FIELDS} projectId } }
      }`,
      { input: { format: 'NPM', name: 'web-libs', description: 'front-end packages' } },
    );
    expect(created.body.errors).toBeUndefined();
    const result = created.body.data?.createRepository as {
      ok: boolean;
      traceId: string;
      releaseRepositoryId: null;
      repository: Repo & { projectId: string };
    };
    expect(result.ok).toBe(true);
    expect(result.traceId).toMatch(/^143002-\d+-\d+$/);
    expect(result.releaseRepositoryId).toBeNull();
    expect(result.repository).toMatchObject({
      id: expectedId,
      name: 'web-libs',
      description: 'front-end packages',
      format: 'NPM',
      includesPattern: '**/*',
    });
    // No projectId given: none is sent (the seed marks project_id optional), and the repository has none.
    expect(result.repository.projectId).toBeNull();
    const [call] = gw.sims.artifact.calls;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/cloudartifact/v5/artifact/');
    expect(JSON.parse(call?.body ?? '')).toEqual({
      format: 'npm',
      type: 'hosted',
      repository_name: 'web-libs',
      description: 'front-end packages',
      includes_pattern: '**/*',
    });
    const id = result.repository.id;

    expect(await view(id)).toMatchObject({ id, name: 'web-libs', description: 'front-end packages' });
    expect(await listed(false)).toEqual([id]);

    gw.sims.artifact.resetCalls();
    const edited = await gw.query(
      `mutation($input: UpdateRepositoryInput!) { updateRepository(input: $input) { ok repository { ${REPO_FIELDS} } } }`,
      {
        input: {
          format: 'NPM',
          name: 'web-libs',
          repositoryIds: [id],
          description: 'edited',
          deploymentPolicy: 'allowRedeploy',
          includesPattern: 'web/**/*',
        },
      },
    );
    expect(edited.body.errors).toBeUndefined();
    expect(edited.body.data?.updateRepository).toMatchObject({
      ok: true,
      repository: { id, description: 'edited', deploymentPolicy: 'allowRedeploy', includesPattern: 'web/**/*' },
    });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'PUT', path: '/cloudartifact/v5/artifact/' });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({
      repo_name: 'web-libs',
      format: 'npm',
      repository_ids: [id],
      description: 'edited',
      includes_pattern: 'web/**/*',
      deployment_policy: 'allowRedeploy',
    });
    expect(await view(id)).toMatchObject({ description: 'edited' });

    const toBin = `mutation($ids: [ID!]!) { moveRepositoriesToRecycleBin(format: NPM, ids: $ids) { ok traceId message } }`;
    gw.sims.artifact.resetCalls();
    const moved = await gw.query(toBin, { ids: [id] });
    expect(moved.body.data?.moveRepositoriesToRecycleBin).toMatchObject({ ok: true, traceId: expect.any(String), message: null });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'DELETE', path: '/cloudartifact/v5/repositories' });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({ format: 'npm', repository_ids: [id] });
    expect(await listed(false)).toEqual([]);
    expect(await listed(true)).toEqual([id]);

    const item = { id, format: 'NPM', uri: `${id}/` };
    gw.sims.artifact.resetCalls();
    const restored = await gw.query(`mutation($items: [RecycleBinItemInput!]!) { restoreFromRecycleBin(items: $items) { ok message } }`, {
      items: [item],
    });
    expect(restored.body.data?.restoreFromRecycleBin).toEqual({ ok: true, message: 'success' });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'PUT', path: '/cloudartifact/v5/trashes' });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual([{ id, format: 'npm', uri: `${id}/`, status: 'active' }]);
    expect(await listed(false)).toEqual([id]);
    expect(await listed(true)).toEqual([]);

    expect((await gw.query(toBin, { ids: [id] })).body.errors).toBeUndefined();
    expect(await listed(true)).toEqual([id]);

    gw.sims.artifact.resetCalls();
    const deleted = await gw.query(`mutation($items: [RecycleBinItemInput!]!) { deleteFromRecycleBin(items: $items) { ok } }`, {
      items: [item],
    });
    expect(deleted.body).toEqual({ data: { deleteFromRecycleBin: { ok: true } } });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'DELETE', path: '/cloudartifact/v5/trashes' });
    // Deletion needs `status` and the key `format` (the seed's `fomat` is a typo).
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual([{ id, format: 'npm', uri: `${id}/`, status: 'active' }]);
    expect(await listed(true)).toEqual([]);
    expect(await view(id)).toBeNull();
  });

  it('creates a Maven repository as a release/snapshot pair, edits it by tab id and associates it with a project', async () => {
    gw.sims.artifact.resetCalls();
    const created = await gw.query(
      `mutation($p: ID) { createRepository(input: { format: MAVEN2, name: "libs", shareRight: "PROJECT", projectId: $p }) {
        ok releaseRepositoryId snapshotRepositoryId repository { id name tabId policy status projectId }
      } }`,
      { p: SIMULATED.codeartsProjectId },
    );
    expect(created.body.errors).toBeUndefined();
    const maven = created.body.data?.createRepository as {
      releaseRepositoryId: string;
      snapshotRepositoryId: string;
      repository: { tabId: string };
    };
    expect(maven).toMatchObject({
      ok: true,
      releaseRepositoryId: repoId('maven_1_202'),
      snapshotRepositoryId: repoId('maven_2_202'),
      repository: {
        id: repoId('maven_1_202'),
        name: 'libs',
        tabId: tabIdOf(202),
        status: 'active',
        projectId: SIMULATED.codeartsProjectId,
      },
    });
    expect(gw.sims.artifact.calls[0]?.path).toBe('/cloudartifact/v5/maven/repositories');
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({
      repository_name: 'libs',
      format: 'maven2',
      release: 'libs',
      snapshot: 'libs',
      includes_pattern: '**/*',
      share_right: 'PROJECT',
      project_id: SIMULATED.codeartsProjectId,
      type: 'hosted',
    });

    gw.sims.artifact.resetCalls();
    const edited = await gw.query(
      `mutation($tab: String) { updateRepository(input: { format: MAVEN2, name: "libs-renamed", tabId: $tab, description: "12" }) {
        ok releaseRepositoryId snapshotRepositoryId repository { id name description }
      } }`,
      { tab: maven.repository.tabId },
    );
    expect(edited.body.data?.updateRepository).toEqual({
      ok: true,
      releaseRepositoryId: repoId('maven_1_202'),
      snapshotRepositoryId: repoId('maven_2_202'),
      repository: { id: repoId('maven_1_202'), name: 'libs-renamed', description: '12' },
    });
    expect(gw.sims.artifact.calls[0]).toMatchObject({ method: 'PUT', path: `/cloudartifact/v5/repositories/tab/${tabIdOf(202)}` });

    const before = await gw.query(`{ projectRepositories(projectId: "${SEED_PROJECT}") { id } }`);
    expect(before.body.data?.projectRepositories).not.toContainEqual({ id: repoId('maven_1_202') });
    gw.sims.artifact.resetCalls();
    const associated = await gw.query(
      `mutation($tabs: [ID!]!) { associateProjectRepositories(projectId: "${SEED_PROJECT}", tabIds: $tabs) { ok } }`,
      {
        tabs: [maven.repository.tabId],
      },
    );
    expect(associated.body.data?.associateProjectRepositories).toEqual({ ok: true });
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({ project_id: SEED_PROJECT, ids: [tabIdOf(202)] });
    const after = await gw.query(`{ projectRepositories(projectId: "${SEED_PROJECT}") { id } }`);
    expect(after.body.data?.projectRepositories).toContainEqual({ id: repoId('maven_1_202') });
    expect(after.body.data?.projectRepositories).toContainEqual({ id: repoId('maven_2_202') });
  });

  it('creates a Docker repository at its own endpoint with only the four keys it takes, and finds it by name', async () => {
    gw.sims.artifact.resetCalls();
    const created = await gw.query(`mutation { createRepository(input: { format: DOCKER, name: "images", description: "containers" }) {
      ok repository { id name displayName format type }
    } }`);
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createRepository).toEqual({
      ok: true,
      repository: { id: repoId('docker_1'), name: 'images', displayName: 'images', format: 'DOCKER', type: 'hosted' },
    });
    expect(gw.sims.artifact.calls[0]?.path).toBe('/cloudartifact/v5/repositories');
    expect(JSON.parse(gw.sims.artifact.calls[0]?.body ?? '')).toEqual({
      format: 'docker',
      display_name: 'images',
      description: 'containers',
      type: 'hosted',
    });
  });

  it('refuses inputs an endpoint cannot take with BAD_USER_INPUT naming them, before any upstream call', async () => {
    gw.sims.artifact.resetCalls();
    const cases: Array<[string, string]> = [
      [`createRepository(input: { format: DOCKER, name: "x", projectId: "${SEED_PROJECT}" }) { ok }`, 'projectId'],
      [`createRepository(input: { format: DOCKER, name: "x", includesPattern: "**/*" }) { ok }`, 'includesPattern'],
      [`createRepository(input: { format: PYPI, name: "x", release: "r" }) { ok }`, 'release'],
      [`createRepository(input: { format: PYPI, name: "  " }) { ok }`, 'input.name'],
      [`updateRepository(input: { format: MAVEN2, name: "x" }) { ok }`, 'tabId'],
      [
        `updateRepository(input: { format: MAVEN2, name: "x", tabId: "t", repositoryIds: ["${repoId('maven_1_11')}"] }) { ok }`,
        'repositoryIds',
      ],
      [`updateRepository(input: { format: NPM, name: "x", tabId: "t", repositoryIds: ["${repoId('npm_1')}"] }) { ok }`, 'tabId'],
      [`updateRepository(input: { format: NPM, name: "x" }) { ok }`, 'repositoryIds'],
      [`moveRepositoriesToRecycleBin(format: NPM, ids: ["${repoId('pypi_40')}"]) { ok }`, 'PYPI'],
      [`moveRepositoriesToRecycleBin(format: NPM, ids: []) { ok }`, 'ids'],
      [`restoreFromRecycleBin(items: [{ id: "${repoId('go_4')}", format: GO, uri: "elsewhere/" }]) { ok }`, 'uri'],
      [`deleteArtifactFile(path: "${repoId('maven_1_108')}/1/1/1-1-1.jar") { ok }`, 'Maven'],
      [`deleteArtifactFile(path: "no-repository") { ok }`, 'path'],
      [`followArtifacts(ids: ["../etc/passwd"]) { ok }`, 'ids'],
      [`associateProjectRepositories(projectId: "nope", tabIds: ["${tabIdOf(23)}"]) { ok }`, 'projectId'],
    ];
    for (const [mutation, mentions] of cases) {
      const res = await gw.query(`mutation { ${mutation} }`);
      const field = Object.keys(res.body.data ?? {})[0] ?? '';
      expect(res.body.data?.[field]).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain(mentions);
    }
    expect(gw.sims.artifact.callCount()).toBe(0);
  });

  it('answers NOT_FOUND (and null) for a mutation on something missing', async () => {
    const res = await gw.query(`mutation { moveRepositoriesToRecycleBin(format: GO, ids: ["${repoId('go_404')}"]) { ok } }`);
    expect(res.body.data?.moveRepositoriesToRecycleBin).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      upstream: 'artifact',
      status: 404,
      upstreamCode: 'CR.4004',
    });

    const tab = await gw.query(`mutation { updateRepository(input: { format: MAVEN2, name: "x", tabId: "no_such_tab" }) { ok } }`);
    expect(tab.body.data?.updateRepository).toBeNull();
    expect(tab.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: 'artifact' });
  });

  it('answers an upstream refusal of a mutation as null with its error, never ok: false', async () => {
    // go_19 is active: the recycle bin cannot delete it.
    const res = await gw.query(
      `mutation { deleteFromRecycleBin(items: [{ id: "${repoId('go_19')}", format: GO, uri: "${repoId('go_19')}/" }]) { ok } }`,
    );
    expect(res.body.data?.deleteFromRecycleBin).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      upstream: 'artifact',
      status: 400,
      upstreamCode: 'CR.4000',
    });
  });
});
