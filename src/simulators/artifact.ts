import { createHash, randomBytes } from 'node:crypto';
import { Simulator, type SimRequest, type SimResponse } from './simulator';
import { isIdentity, mayAccess, type HuaweiIdentityStore, type SimIdentity } from './huawei-identity';
import {
  ARTIFACT_DOMAIN,
  ARTIFACT_REGION,
  SEED_AUDIT,
  SEED_FOLLOW,
  SEED_MAVEN_PASSWORD,
  SEED_REPOSITORIES,
  SEED_TREND,
  SEED_USER,
  SEED_USER_ID,
  tabIdOf,
  type SeedFile,
  type SeedRepository,
} from './artifact-seed';

/** A file in a simulated repository (or its recycle bin). */
export interface SimArtifactFile {
  /** Path inside the repository, without a leading slash. */
  path: string;
  size: number;
  created: number;
  modified: number;
  createdBy: string;
  checksums: { md5: string; sha1: string; sha256: string; sha512: string };
  downloadCount: number;
}

export interface SimRepository {
  /** The repository id (`cn-north-7_<domain>_<format>_<n>`). */
  name: string;
  repositoryName: string;
  displayName: string | null;
  description: string;
  format: string;
  type: string;
  policy: string | null;
  tabId: string | null;
  projectId: string | null;
  /** Projects associated by tab id (4.3.2). */
  projects: Set<string>;
  includesPattern: string;
  deploymentPolicy: string | null;
  shareRight: string | null;
  release: string | null;
  snapshot: string | null;
  status: 'active' | 'recycled';
  created: number;
  modified: number;
  createdUserName: string;
  createdUserId: string;
  modifiedUserName: string | null;
  /** Settings of the non-Maven edit (4.2.8); the view shows them (4.2.3). Counts are strings upstream. */
  allowAnonymous: boolean | null;
  autoCleanSnapshot: boolean | null;
  snapshotAliveDays: string | null;
  maxUniqueSnapshots: string | null;
  files: Map<string, SimArtifactFile>;
  trash: Map<string, SimArtifactFile>;
}

interface SimAuditEntry {
  id: string;
  repo: string;
  module: string;
  operation: string;
  time: number;
  data: string;
  operator: string;
  userAgent: string;
  ipSource: string;
}

interface SimFollow {
  id: string;
  repositoryId: string;
  path: string;
  modified: number;
  user: string;
}

const V5 = '/cloudartifact/v5';
const ZONE_MS = 8 * 3600 * 1000;
const PROJECT_ID = /^[A-Za-z0-9]{32}$/;
const NON_MAVEN_FORMATS = new Set(['npm', 'go', 'pypi', 'rpm', 'debian', 'conan', 'nuget', 'generic']);
const SIM_MAX_PAGE = 1000;

/**
 * Simulated CodeArts Artifact (seed: codearts-artifact-api.md): every operation under
 * `/cloudartifact/v5`, answers in the `{status, trace_id, result}` envelope, the seed's examples
 * as initial state, CR.4102 for a project (or tenant) the caller may not touch, and state that
 * follows a repository from creation through the recycle bin to deletion.
 *
 * Errors come as `{status: "error", trace_id, error_code, error_msg, result: null}` with the
 * HTTP status; CR.4102 and CR.5000 are the seed's codes, CR.4000 (bad request) and CR.4004
 * (not found) the simulator's own. {@link failInEnvelope} makes it answer an error under HTTP 200,
 * {@link refuseInEnvelope} a `failed` envelope whose `result` says why.
 */
export class ArtifactSimulator extends Simulator {
  readonly domainId = ARTIFACT_DOMAIN;
  readonly region = ARTIFACT_REGION;
  private readonly repositories = new Map<string, SimRepository>();
  private readonly audit: SimAuditEntry[] = [];
  private readonly follows = new Map<string, SimFollow[]>();
  private readonly passwords = new Map<string, string>();
  private readonly rowOverrides = new Map<string, Record<string, unknown>>();
  private readonly counters = new Map<string, number>();
  private traceSeq = 0;
  private auditSeq = 2271182;

  constructor(private readonly identities: HuaweiIdentityStore) {
    super('artifact');
    for (const seed of SEED_REPOSITORIES) this.put(fromSeed(seed));
    this.audit.push({
      id: SEED_AUDIT.id,
      repo: SEED_AUDIT.info,
      module: SEED_AUDIT.module,
      operation: SEED_AUDIT.operation,
      time: fromWall(SEED_AUDIT.time),
      data: SEED_AUDIT.data,
      operator: SEED_AUDIT.operator,
      userAgent: SEED_AUDIT.userAgent,
      ipSource: SEED_AUDIT.ipSource,
    });
    this.registerRoutes();
  }

  // ---------- switches for tests and demos ----------

  /** Answers the next `times` calls (under `pathPrefix`) with an error envelope, under HTTP 200 by default. */
  failInEnvelope(code: string, message: string, options: { times?: number; pathPrefix?: string; httpStatus?: number } = {}): this {
    return this.inject(
      {
        kind: 'status',
        status: options.httpStatus ?? 200,
        json: { status: 'error', trace_id: this.traceId(), error_code: code, error_msg: message, result: null },
      },
      { times: options.times, pathPrefix: options.pathPrefix },
    );
  }

  /**
   * Answers the next `times` calls (under `pathPrefix`) with `{status: "failed", trace_id, result: <message>}`
   * under HTTP 200: the upstream refusing a request with no error code ("repo exists").
   */
  refuseInEnvelope(message: string, options: { times?: number; pathPrefix?: string } = {}): this {
    return this.inject(
      { kind: 'status', status: 200, json: { status: 'failed', trace_id: this.traceId(), result: message } },
      { times: options.times, pathPrefix: options.pathPrefix },
    );
  }

  /** Overrides fields of a repository's rows in list answers (e.g. `{name: null}`: a row without id). */
  overrideRow(id: string, fields: Record<string, unknown>): this {
    this.rowOverrides.set(id, fields);
    return this;
  }

  clearRowOverrides(): this {
    this.rowOverrides.clear();
    return this;
  }

  /** Adds `count` hosted repositories of `format` (default generic), each with `filesEach` files; answers their ids. */
  addRepositories(
    count: number,
    options: { format?: string; projectId?: string | null; label?: string; filesEach?: number } = {},
  ): string[] {
    const format = options.format ?? 'generic';
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.nextId(format);
      const now = Date.now();
      const repo = blankRepository(
        id,
        `${options.label ?? format}-${id.split('_').pop()}`,
        format,
        options.projectId ?? null,
        now,
        SEED_USER,
      );
      for (let f = 0; f < (options.filesEach ?? 1); f++) {
        const file = makeFile(`pkg/${f}/file-${f}.bin`, 1000 + f * 512 + i, now, SEED_USER);
        repo.files.set(file.path, file);
      }
      this.put(repo);
      ids.push(id);
    }
    return ids;
  }

  /** A repository's state (tests). */
  repository(id: string): SimRepository | undefined {
    return this.repositories.get(id);
  }

  // ---------- routes ----------

  private registerRoutes(): void {
    this.route(
      'GET',
      `${V5}/repositories/:repoId`,
      this.auth((req) => this.viewRepository(req)),
    );
    this.route(
      'POST',
      `${V5}/repositories`,
      this.auth((req, who) => this.createDocker(req, who)),
    );
    this.route(
      'DELETE',
      `${V5}/repositories`,
      this.auth((req, who) => this.moveToRecycleBin(req, who)),
    );
    this.route(
      'PUT',
      `${V5}/repositories/tab/:tabId`,
      this.auth((req, who) => this.editMaven(req, who)),
    );
    this.route(
      'POST',
      `${V5}/maven/repositories`,
      this.auth((req, who) => this.createMaven(req, who)),
    );
    this.route(
      'GET',
      `${V5}/maven/info`,
      this.auth((req, who) => this.mavenInfo(req, who)),
    );
    this.route(
      'GET',
      `${V5}/maven/repository/list`,
      this.auth((req, who) => this.projectRepositories(req, who)),
    );
    this.route(
      'POST',
      `${V5}/maven/project/repository`,
      this.auth((req, who) => this.associate(req, who)),
    );
    this.route(
      'POST',
      `${V5}/maven/users/me`,
      this.auth((_req, who) => this.resetPassword(who)),
    );
    this.route(
      'POST',
      `${V5}/artifact`,
      this.auth((req, who) => this.createOther(req, who)),
    );
    this.route(
      'PUT',
      `${V5}/artifact`,
      this.auth((req, who) => this.editOther(req, who)),
    );
    this.route(
      'PUT',
      `${V5}/trashes`,
      this.auth((req, who) => this.restore(req, who)),
    );
    this.route(
      'DELETE',
      `${V5}/trashes`,
      this.auth((req, who) => this.purge(req, who)),
    );
    this.route(
      'GET',
      `${V5}/storage`,
      this.auth((req) => this.storageUsage(req)),
    );
    this.route(
      'GET',
      `${V5}/search/checksum`,
      this.auth((req, who) => this.searchChecksum(req, who)),
    );
    this.route(
      'POST',
      `${V5}/tree/repos/artifacts`,
      this.auth((req, who) => this.searchName(req, who)),
    );
    this.route(
      'POST',
      `${V5}/attention`,
      this.auth((req, who) => this.attention(req, who)),
    );
    this.route(
      'GET',
      `${V5}/attention/artifacts`,
      this.auth((req, who) => this.followed(req, who)),
    );
    this.route(
      'DELETE',
      `${V5}/file`,
      this.auth((req, who) => this.deleteFile(req, who)),
    );
    this.route(
      'GET',
      `${V5}/:tenant/:project/repositories`,
      this.scoped((req) => this.listRepositories(req)),
    );
    this.route(
      'GET',
      `${V5}/:tenant/:project/storageinfo/statistic`,
      this.scoped((req) => this.trend(req)),
    );
    this.route(
      'GET',
      `${V5}/:tenant/:project/:repo/repositories`,
      this.scoped((req) => this.statistics(req)),
    );
    this.route(
      'GET',
      `${V5}/:tenant/:project/:repo/file-tree`,
      this.scoped((req) => this.fileTree(req)),
    );
    this.route(
      'GET',
      `${V5}/:tenant/:project/:repo/file-detail`,
      this.scoped((req, who) => this.fileDetail(req, who)),
    );
    this.route(
      'GET',
      `${V5}/:tenant/:project/:module/:repo/audit`,
      this.scoped((req) => this.auditLogs(req)),
    );
  }

  /** Authenticates the call (401 like the API gateway) before the handler runs. */
  private auth(handler: (req: SimRequest, who: SimIdentity) => SimResponse): (req: SimRequest) => SimResponse {
    return (req) => {
      const identity = this.identities.authenticate(req);
      if (!isIdentity(identity)) return identity;
      // The seed's common request headers mark Content-Type required, bodiless calls included.
      if (!/^application\/json/i.test(req.header('content-type') ?? '')) {
        return this.fail(400, 'CR.4000', 'Content-Type must be application/json.');
      }
      try {
        return handler(req, identity);
      } catch (err) {
        if (err instanceof SimFailure) return this.fail(err.status, err.code, err.message);
        throw err;
      }
    };
  }

  /** Like {@link auth}, plus the tenant and project of the path must be the caller's. */
  private scoped(handler: (req: SimRequest, who: SimIdentity) => SimResponse): (req: SimRequest) => SimResponse {
    return this.auth((req, who) => {
      if (req.params.tenant !== this.domainId) throw forbidden();
      this.checkProject(who, req.params.project ?? '');
      return handler(req, who);
    });
  }

  private checkProject(who: SimIdentity, project: string): void {
    if (!PROJECT_ID.test(project)) throw new SimFailure(400, 'CR.4000', 'The project ID must contain 32 letters and digits.');
    if (!mayAccess(who, project)) throw forbidden();
  }

  // ---------- repository management ----------

  private viewRepository(req: SimRequest): SimResponse {
    const repo = this.mustFind(req.params.repoId ?? '');
    return this.ok(viewRow(repo));
  }

  private createMaven(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    allowOnly(body, [
      'repository_name',
      'format',
      'description',
      'release',
      'snapshot',
      'includes_pattern',
      'share_right',
      'project_id',
      'type',
    ]);
    if (body.format !== undefined && body.format !== 'maven2') throw badRequest('format must be maven2 for a Maven repository.');
    const name = requiredString(body, 'repository_name');
    const release = optionalString(body, 'release');
    const snapshot = optionalString(body, 'snapshot');
    if (!release && !snapshot) throw badRequest('Give a release or a snapshot repository name.');
    const project = optionalString(body, 'project_id');
    if (project) this.checkProject(who, project);
    if ([...this.repositories.values()].some((r) => r.format === 'maven2' && r.repositoryName === name)) {
      throw badRequest(`A Maven repository named ${name} already exists.`);
    }
    const n = this.next('maven-tab', 201);
    const now = Date.now();
    const make = (kind: 1 | 2, policy: string): string => {
      const repo = blankRepository(`${this.region}_${this.domainId}_maven_${kind}_${n}`, name, 'maven2', project ?? null, now, who.user);
      Object.assign(repo, {
        description: optionalString(body, 'description') ?? '',
        type: optionalString(body, 'type') ?? 'hosted',
        policy,
        tabId: tabIdOf(n),
        includesPattern: optionalString(body, 'includes_pattern') ?? '**/*',
        shareRight: optionalString(body, 'share_right') ?? null,
        release: release ?? null,
        snapshot: snapshot ?? null,
        deploymentPolicy: 'allowRedeploy',
      });
      this.put(repo);
      this.record(repo.name, 'repository', 'create', name, who, req);
      return repo.name;
    };
    return this.ok({ release: release ? make(1, 'release') : null, snapshot: snapshot ? make(2, 'snapshot') : null });
  }

  private createDocker(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    // Docker creation takes exactly these four keys (contract: no project, no pattern).
    allowOnly(body, ['format', 'display_name', 'description', 'type']);
    if (requiredString(body, 'format') !== 'docker') throw badRequest('This endpoint creates Docker repositories only.');
    const name = requiredString(body, 'display_name');
    const type = requiredString(body, 'type');
    if ([...this.repositories.values()].some((r) => r.format === 'docker' && r.repositoryName === name)) {
      throw badRequest(`A Docker repository named ${name} already exists.`);
    }
    const repo = blankRepository(this.nextId('docker'), name, 'docker', null, Date.now(), who.user);
    repo.displayName = name;
    repo.description = optionalString(body, 'description') ?? '';
    repo.type = type.toLowerCase();
    this.put(repo);
    this.record(repo.name, 'repository', 'create', name, who, req);
    return this.ok('success');
  }

  private createOther(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    allowOnly(body, ['format', 'type', 'repository_name', 'description', 'includes_pattern', 'project_id', 'share_right']);
    const format = requiredString(body, 'format');
    if (!NON_MAVEN_FORMATS.has(format)) throw badRequest(`Format ${format} is not created through this endpoint.`);
    const type = requiredString(body, 'type');
    const name = requiredString(body, 'repository_name');
    const includes = requiredString(body, 'includes_pattern');
    const project = optionalString(body, 'project_id');
    if (project) this.checkProject(who, project);
    if ([...this.repositories.values()].some((r) => r.format === format && r.repositoryName === name)) {
      throw badRequest(`A ${format} repository named ${name} already exists.`);
    }
    const repo = blankRepository(this.nextId(format), name, format, project ?? null, Date.now(), who.user);
    Object.assign(repo, {
      type,
      description: optionalString(body, 'description') ?? '',
      includesPattern: includes,
      shareRight: optionalString(body, 'share_right') ?? null,
      modifiedUserName: who.user,
    });
    this.put(repo);
    this.record(repo.name, 'repository', 'create', name, who, req);
    // 4.2.7: the answer carries the new repository, with its times still unset.
    return this.ok({
      artifactory: {
        ...viewRow(repo),
        domainId: this.domainId,
        region: this.region,
        createdUserId: userIdOf(who.user),
        createdUserName: who.user,
        modifiedUserId: userIdOf(who.user),
        modifiedUserName: who.user,
      },
    });
  }

  private editMaven(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    allowOnly(body, ['repo_name', 'includes_pattern', 'project_id', 'description', 'snapshot', 'release']);
    const repos = [...this.repositories.values()].filter((r) => r.tabId === req.params.tabId);
    if (repos.length === 0) throw notFound(`No repository has tab ${req.params.tabId}.`);
    const project = optionalString(body, 'project_id');
    if (project) this.checkProject(who, project);
    for (const repo of repos) {
      const name = optionalString(body, 'repo_name');
      if (name) repo.repositoryName = name;
      const description = optionalString(body, 'description');
      if (description !== undefined) repo.description = description;
      const includes = optionalString(body, 'includes_pattern');
      if (includes) repo.includesPattern = includes;
      const release = optionalString(body, 'release');
      if (release) repo.release = release;
      const snapshot = optionalString(body, 'snapshot');
      if (snapshot) repo.snapshot = snapshot;
      if (project) repo.projectId = project;
      this.touch(repo, who);
      this.record(repo.name, 'repository', 'update', repo.repositoryName, who, req);
    }
    return this.ok({
      release: repos.find((r) => r.policy === 'release')?.name ?? null,
      snapshot: repos.find((r) => r.policy === 'snapshot')?.name ?? null,
    });
  }

  private editOther(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    allowOnly(body, [
      'repo_name',
      'format',
      'description',
      'repository_ids',
      'includes_pattern',
      'deployment_policy',
      'auto_clean_snapshot',
      'snapshot_alive_days',
      'max_unique_snapshots',
      'allow_anonymous',
    ]);
    const name = requiredString(body, 'repo_name');
    const format = requiredString(body, 'format');
    const ids = stringArray(body, 'repository_ids');
    // Table 4-22's types: the two flags are Booleans, the two counts Strings.
    const settings = {
      autoCleanSnapshot: optionalBoolean(body, 'auto_clean_snapshot'),
      snapshotAliveDays: optionalCount(body, 'snapshot_alive_days'),
      maxUniqueSnapshots: optionalCount(body, 'max_unique_snapshots'),
      allowAnonymous: optionalBoolean(body, 'allow_anonymous'),
    };
    const repos = ids.map((id) => this.mustFind(id));
    for (const repo of repos) if (repo.format !== format) throw badRequest(`${repo.name} is not a ${format} repository.`);
    for (const repo of repos) {
      repo.repositoryName = name;
      const description = optionalString(body, 'description');
      if (description !== undefined) repo.description = description;
      const includes = optionalString(body, 'includes_pattern');
      if (includes) repo.includesPattern = includes;
      const policy = optionalString(body, 'deployment_policy');
      if (policy) repo.deploymentPolicy = policy;
      if (settings.autoCleanSnapshot !== undefined) repo.autoCleanSnapshot = settings.autoCleanSnapshot;
      if (settings.snapshotAliveDays !== undefined) repo.snapshotAliveDays = settings.snapshotAliveDays;
      if (settings.maxUniqueSnapshots !== undefined) repo.maxUniqueSnapshots = settings.maxUniqueSnapshots;
      if (settings.allowAnonymous !== undefined) repo.allowAnonymous = settings.allowAnonymous;
      this.touch(repo, who);
      this.record(repo.name, 'repository', 'update', name, who, req);
    }
    return this.ok(null);
  }

  private moveToRecycleBin(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    const format = requiredString(body, 'format');
    const repos = stringArray(body, 'repository_ids').map((id) => this.mustFind(id));
    for (const repo of repos) {
      if (repo.format !== format) throw badRequest(`${repo.name} is not a ${format} repository.`);
      if (repo.status !== 'active') throw badRequest(`${repo.name} is already in the recycle bin.`);
    }
    for (const repo of repos) {
      repo.status = 'recycled';
      this.touch(repo, who);
      this.record(repo.name, 'repository', 'delete', repo.repositoryName, who, req);
    }
    return this.ok(null);
  }

  private mavenInfo(req: SimRequest, who: SimIdentity): SimResponse {
    const project = req.query.get('project_id');
    if (project) this.checkProject(who, project);
    const policy = req.query.get('policy')?.replace(/s$/, '');
    const ids = req.query.get('ids')?.split(',').filter(Boolean);
    const rows = [...this.repositories.values()]
      .filter((r) => r.format === 'maven2' && r.status === 'active')
      .filter((r) => !project || inProject(r, project))
      .filter((r) => !policy || r.policy === policy)
      .filter((r) => !ids || ids.includes(r.name))
      .map((r) => ({
        ...viewRow(r),
        status: 'active',
        domainId: this.domainId,
        region: this.region,
        createdTime: wall(r.created),
        modifiedTime: wall(r.modified),
        createdUserId: r.createdUserId,
        createdUserName: r.createdUserName,
        displayName: r.displayName ?? r.repositoryName,
        policy: r.policy,
        deploymentPolicy: null,
        allowAnonymous: null,
        maxUniqueSnapshots: null,
        password: this.passwordOf(who.user),
        username: `${this.region}_${this.domainId}_${userIdOf(who.user)}`,
      }));
    return this.ok(rows);
  }

  private resetPassword(who: SimIdentity): SimResponse {
    this.passwords.set(who.user, randomBytes(12).toString('base64url'));
    const userId = userIdOf(who.user);
    return this.ok({
      status: 0,
      domainId: this.domainId,
      region: this.region,
      createdTime: '2021-05-19 19:50:30',
      modifiedTime: wall(Date.now()),
      id: 3000110176,
      userId,
      userName: who.user,
      userType: 'personal',
      repoUserName: `${this.domainId}_${userId}`,
      repoNumber: [...this.repositories.values()].filter((r) => r.format === 'maven2').length,
      innerRepoUserName: `${this.region}_${this.domainId}_${userId}`,
    });
  }

  // ---------- association ----------

  private projectRepositories(req: SimRequest, who: SimIdentity): SimResponse {
    const project = req.query.get('project_id');
    if (!project) throw badRequest('project_id is required.');
    this.checkProject(who, project);
    const rows = [...this.repositories.values()]
      .filter((r) => r.format === 'maven2' && r.status === 'active' && inProject(r, project))
      .map((r) => this.listRow(r));
    return this.ok(rows);
  }

  private associate(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    const project = requiredString(body, 'project_id');
    this.checkProject(who, project);
    const tabs = stringArray(body, 'ids');
    const byTab = tabs.map((tab) => {
      const repos = [...this.repositories.values()].filter((r) => r.tabId === tab);
      if (repos.length === 0) throw notFound(`No repository has tab ${tab}.`);
      return repos;
    });
    for (const repo of byTab.flat()) {
      repo.projects.add(project);
      this.record(repo.name, 'repository', 'associate', project, who, req);
    }
    return this.ok(null);
  }

  // ---------- recycle bin ----------

  private restore(req: SimRequest, who: SimIdentity): SimResponse {
    const items = this.trashItems(req, false);
    for (const { repo, file } of items) {
      if (file === null) {
        if (repo.status !== 'recycled') throw badRequest(`${repo.name} is not in the recycle bin.`);
      } else if (!repo.trash.has(file)) throw notFound(`${file} is not in the recycle bin of ${repo.name}.`);
    }
    for (const { repo, file } of items) {
      if (file === null) repo.status = 'active';
      else {
        const f = repo.trash.get(file);
        repo.trash.delete(file);
        if (f) repo.files.set(file, f);
      }
      this.touch(repo, who);
      this.record(repo.name, file === null ? 'repository' : 'file', 'restore', file ?? repo.repositoryName, who, req);
    }
    return this.ok('success');
  }

  private purge(req: SimRequest, who: SimIdentity): SimResponse {
    const items = this.trashItems(req, true);
    for (const { repo, file } of items) {
      if (file === null) {
        if (repo.status !== 'recycled') throw badRequest(`${repo.name} is not in the recycle bin.`);
      } else if (!repo.trash.has(file)) throw notFound(`${file} is not in the recycle bin of ${repo.name}.`);
    }
    for (const { repo, file } of items) {
      if (file === null) {
        this.repositories.delete(repo.name);
        for (const list of this.follows.values()) {
          for (let i = list.length - 1; i >= 0; i--) if (list[i]?.repositoryId === repo.name) list.splice(i, 1);
        }
      } else repo.trash.delete(file);
      this.record(repo.name, file === null ? 'repository' : 'file', 'purge', file ?? repo.repositoryName, who, req);
    }
    return this.ok('success');
  }

  /** Reads recycle-bin items: `uri` is `<id>/` for the repository, `<id>/<path>` for one file. */
  private trashItems(req: SimRequest, strict: boolean): Array<{ repo: SimRepository; file: string | null }> {
    const body = req.json();
    if (!Array.isArray(body) || body.length === 0) throw badRequest('The body must be a non-empty array of items.');
    return body.map((raw: unknown) => {
      if (!raw || typeof raw !== 'object') throw badRequest('Each item must be an object.');
      const item = raw as Record<string, unknown>;
      // Deletion requires every key (the seed's `fomat` is a typo: the key is `format`).
      const required = strict ? ['id', 'format', 'uri', 'status'] : ['id'];
      // Restoration's items (Table 4-2) know id, format, status and uri; deletion's (4-5) add include_pattern.
      allowOnly(item, strict ? ['id', 'format', 'uri', 'status', 'include_pattern'] : ['id', 'format', 'uri', 'status']);
      if (strict) optionalString(item, 'include_pattern');
      for (const key of required) if (typeof item[key] !== 'string' || !item[key]) throw badRequest(`${key} is required for each item.`);
      const repo = this.mustFind(String(item.id));
      if (item.format !== undefined && item.format !== repo.format)
        throw badRequest(`${repo.name} is not a ${text(item.format)} repository.`);
      const uri = typeof item.uri === 'string' ? item.uri.replace(/^\/+/, '') : `${repo.name}/`;
      if (!uri.startsWith(repo.name)) throw badRequest(`uri ${uri} is not in ${repo.name}.`);
      const file = uri.slice(repo.name.length).replace(/^\/+|\/+$/g, '');
      return { repo, file: file === '' ? null : file };
    });
  }

  // ---------- capacity and details ----------

  private storageUsage(req: SimRequest): SimResponse {
    const formats = req.query.get('format_list')?.split(',').filter(Boolean);
    const onlyProjects = req.query.get('in_project') === 'true';
    const repos = [...this.repositories.values()]
      .filter((r) => r.status === 'active')
      .filter((r) => !formats || formats.includes(r.format))
      .filter((r) => !onlyProjects || r.projectId !== null || r.projects.size > 0);
    const bytes = repos.reduce((sum, r) => sum + usedBytes(r), 0);
    return this.ok({ totalStorage: formatSize(bytes) || '0 MB', totalCount: repos.length });
  }

  private listRepositories(req: SimRequest): SimResponse {
    const q = req.query;
    const project = req.params.project ?? '';
    const qname = q.get('qname')?.toLowerCase();
    const type = q.get('type')?.toLowerCase();
    const format = q.get('format') || undefined;
    const formatList = q.get('format_list')?.split(',').filter(Boolean);
    const recycled = q.get('is_recycle_bin') === 'true';
    const rows = [...this.repositories.values()]
      .filter((r) => (recycled ? r.status === 'recycled' : r.status === 'active'))
      .filter((r) => q.get('in_project') !== 'true' || inProject(r, project))
      .filter((r) => !qname || r.repositoryName.toLowerCase().includes(qname) || r.name.toLowerCase().includes(qname))
      .filter((r) => !type || r.type.toLowerCase() === type)
      .filter((r) => !format || r.format === format)
      .filter((r) => !formatList || formatList.includes(r.format));
    const paged = q.get('is_need_paging') === 'false' ? rows : page(rows, q, 'page_no');
    return this.ok({ total: rows.length, repositories: paged.map((r) => this.listRow(r)) });
  }

  private statistics(req: SimRequest): SimResponse {
    const region = req.query.get('region');
    if (!region) throw badRequest('region is required.');
    const repo = this.mustFind(req.params.repo ?? '');
    if (region !== this.region) throw badRequest(`Repository ${repo.name} is not in region ${region}.`);
    return this.ok({
      ...this.listRow(repo, false),
      url: null,
      storageSummaryInfo: { filesCount: repo.files.size, usedSpace: formatSize(usedBytes(repo)) || '0 MB' },
    });
  }

  private trend(req: SimRequest): SimResponse {
    const repoId = req.query.get('repo');
    const repos = repoId ? [this.mustFind(repoId)] : [...this.repositories.values()].filter((r) => r.status === 'active');
    const today = wall(Date.now()).slice(0, 10);
    const end = req.query.get('end_time') || today;
    const start = req.query.get('start_time') || addDays(end, -6);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end) || start > end) {
      throw badRequest('start_time and end_time must be dates as YYYY-MM-DD, in order.');
    }
    const seeded = repoId ? SEED_TREND[repoId] : undefined;
    const days: string[] = [];
    for (let d = start; d <= end && days.length <= 366; d = addDays(d, 1)) days.push(d);
    if (days.length > 366) throw badRequest('The period is at most 366 days.');
    const files = repos.reduce((n, r) => n + r.files.size, 0);
    const bytes = repos.reduce((n, r) => n + usedBytes(r), 0);
    return this.ok(
      days.map((date) => {
        const seed = seeded?.find((s) => s.date === date);
        return seed
          ? {
              filesCount: seed.filesCount,
              usedSpaceLength: seed.usedSpaceLength,
              usedSpace: seed.usedSpace,
              summaryDate: date,
              foldersCount: null,
              itemsCount: null,
            }
          : {
              filesCount: files,
              usedSpaceLength: bytes,
              usedSpace: formatSize(bytes),
              summaryDate: date,
              foldersCount: null,
              itemsCount: null,
            };
      }),
    );
  }

  private auditLogs(req: SimRequest): SimResponse {
    const repo = this.mustFind(req.params.repo ?? '');
    const module = req.params.module ?? '';
    const userId = req.query.get('user_id');
    const entries = this.audit
      .filter((e) => e.repo === repo.name && e.module === module)
      .filter((e) => !userId || userIdOf(e.operator) === userId)
      .sort((a, b) => b.time - a.time || Number(b.id) - Number(a.id));
    return this.ok({
      // Audit logs page with page_num (page_no is ignored, as upstream).
      auditInfoList: page(entries, req.query, 'page_num').map((e) => ({
        id: e.id,
        module: e.module,
        operation: e.operation,
        time: slashWall(e.time),
        info: e.repo,
        data: e.data,
        reason: null,
        userAgent: e.userAgent,
        operator: e.operator,
        ipSource: e.ipSource,
      })),
      total: entries.length,
    });
  }

  // ---------- search ----------

  private searchChecksum(req: SimRequest, who: SimIdentity): SimResponse {
    const checksum = req.query.get('checksum')?.toLowerCase();
    if (!checksum) throw badRequest('checksum is required.');
    const hits = this.searchFiles(
      who,
      req.query.get('format') ?? undefined,
      req.query.get('in_project') === 'true' ? req.query.get('project_id') : null,
      (f) => Object.values(f.checksums).includes(checksum),
    );
    return this.ok(
      page(hits, req.query, 'page_no').map(({ repo, file }) => ({
        ...this.searchRow(repo, file),
        createdBy: null,
        created: null,
      })),
    );
  }

  private searchName(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    const name = requiredString(body, 'artifact_name').toLowerCase();
    const q = new URLSearchParams();
    if (body.page_no !== undefined) q.set('page_no', text(body.page_no));
    if (body.page_size !== undefined) q.set('page_size', text(body.page_size));
    const inProj = body.in_project === true || body.in_project === 'true';
    const project = typeof body.project_id === 'string' ? body.project_id : null;
    const hits = this.searchFiles(
      who,
      typeof body.artifact_type === 'string' ? body.artifact_type : undefined,
      inProj ? project : null,
      (f) => (f.path.split('/').pop() ?? '').toLowerCase().includes(name),
    );
    return this.ok({ artifacts: page(hits, q, 'page_no').map(({ repo, file }) => this.searchRow(repo, file)) });
  }

  private searchFiles(
    who: SimIdentity,
    format: string | undefined,
    project: string | null | undefined,
    match: (f: SimArtifactFile) => boolean,
  ): Array<{ repo: SimRepository; file: SimArtifactFile }> {
    if (project) this.checkProject(who, project);
    const hits: Array<{ repo: SimRepository; file: SimArtifactFile }> = [];
    for (const repo of this.repositories.values()) {
      if (repo.status !== 'active' || (format && repo.format !== format) || (project && !inProject(repo, project))) continue;
      for (const file of repo.files.values()) if (match(file)) hits.push({ repo, file });
    }
    return hits;
  }

  private searchRow(repo: SimRepository, file: SimArtifactFile): Record<string, unknown> {
    return {
      name: file.path.split('/').pop(),
      relativePath: file.path,
      createdBy: `${this.region}_${this.domainId}_${userIdOf(file.createdBy)}`,
      createdUserName: file.createdBy,
      created: String(file.created),
      modified: isoWithOffset(file.modified),
      repo: repo.name,
      repoName: repo.repositoryName,
      displayName: repo.displayName,
      oldRepoid: repo.name,
      repoType: repo.format,
    };
  }

  // ---------- following ----------

  private attention(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    const attention = requiredString(body, 'attention');
    if (attention !== '0' && attention !== '1') throw badRequest('attention must be "1" (follow) or "0" (unfollow).');
    const ids = stringArray(body, 'ids');
    const list = this.followsOf(who.user);
    for (const id of ids) {
      const [repoName] = id.split('/');
      const repo = this.mustFind(repoName ?? '');
      const filePath = id.slice(repo.name.length + 1);
      if (attention === '1') {
        if (!repo.files.has(filePath)) throw notFound(`${id} does not exist.`);
        if (!list.some((f) => f.path === id)) {
          list.push({ id: randomBytes(16).toString('hex'), repositoryId: repo.name, path: id, modified: Date.now(), user: who.user });
        }
      } else {
        const i = list.findIndex((f) => f.path === id);
        if (i >= 0) list.splice(i, 1);
      }
    }
    return this.ok(null);
  }

  private followed(req: SimRequest, who: SimIdentity): SimResponse {
    const project = req.query.get('project_id');
    if (project) this.checkProject(who, project);
    const list = this.followsOf(who.user);
    const size = pageSize(req.query);
    return this.ok({
      data: page(list, req.query, 'page_no').map((f) => {
        const repo = this.repositories.get(f.repositoryId);
        return {
          id: f.id,
          domainId: this.domainId,
          repositoryId: f.repositoryId,
          repositoryName: repo?.repositoryName ?? null,
          format: repo?.format ?? null,
          policy: repo?.policy ?? null,
          artifactId: f.path,
          path: f.path,
          modifiedUserName: f.user,
          modifiedUserId: userIdOf(f.user),
          userId: null,
          modifiedTime: wall(f.modified),
          region: this.region,
        };
      }),
      totalRecords: list.length,
      totalPages: Math.ceil(list.length / size),
    });
  }

  private followsOf(user: string): SimFollow[] {
    let list = this.follows.get(user);
    if (!list) {
      list = this.repositories.has(SEED_FOLLOW.repositoryId)
        ? [
            {
              id: SEED_FOLLOW.id,
              repositoryId: SEED_FOLLOW.repositoryId,
              path: SEED_FOLLOW.path,
              modified: fromWall(SEED_FOLLOW.modifiedTime),
              user: SEED_USER,
            },
          ]
        : [];
      this.follows.set(user, list);
    }
    return list;
  }

  // ---------- files ----------

  private fileTree(req: SimRequest): SimResponse {
    const repo = this.mustFind(req.params.repo ?? '');
    const rawPath = req.query.get('path');
    if (rawPath === null) throw badRequest('path is required.');
    const bin = req.query.get('is_recycle_bin') === 'true';
    const dir = rawPath.replace(/^\/+|\/+$/g, '');
    const source = bin ? repo.trash : repo.files;
    const prefix = dir ? dir + '/' : '';
    const children = new Map<string, { folder: boolean; size: number; modified: number; by: string }>();
    for (const file of source.values()) {
      if (!file.path.startsWith(prefix)) continue;
      const rest = file.path.slice(prefix.length);
      const [head, ...tail] = rest.split('/');
      if (!head) continue;
      const child = children.get(head) ?? { folder: tail.length > 0, size: 0, modified: 0, by: file.createdBy };
      child.size += file.size;
      if (file.modified > child.modified) {
        child.modified = file.modified;
        child.by = file.createdBy;
      }
      children.set(head, child);
    }
    if (dir && children.size === 0 && !source.has(dir)) throw notFound(`${dir} does not exist in ${repo.name}.`);
    const base = `https://cloudartifacts-backend.${this.region}.myhuaweicloud.com/artgalaxy/api/storage/${bin ? 'auto-trashcan/' : ''}`;
    const rows = [...children].map(([name, c]) => ({
      name,
      uri: `${base}${repo.name}/${prefix}${name}`,
      path: `${repo.name}/${prefix}${name}`,
      modified: wall(c.modified),
      folder: c.folder,
      display_size: c.folder ? null : formatSize(c.size),
      modified_by: c.by,
      has_child: c.folder ? 'true' : 'false',
    }));
    return this.ok({
      children: rows,
      uploadAccess: false,
      total: rows.length,
      uri: `/${repo.name}${dir ? '/' + dir : ''}`,
      created: isoWithOffset(repo.created),
    });
  }

  private fileDetail(req: SimRequest, who: SimIdentity): SimResponse {
    const repo = this.mustFind(req.params.repo ?? '');
    const format = req.query.get('format');
    const rawPath = req.query.get('path');
    if (!format || !rawPath) throw badRequest('path and format are required.');
    if (format !== repo.format) throw badRequest(`${repo.name} is not a ${format} repository.`);
    const filePath = rawPath.replace(/^\/+/, '');
    const file = repo.files.get(filePath);
    if (!file) throw notFound(`${rawPath} does not exist in ${repo.name}.`);
    const storage = `https://cloudartifacts-backend.${this.region}.myhuaweicloud.com/artgalaxy`;
    const followed = this.followsOf(who.user).some((f) => f.path === `${repo.name}/${filePath}`);
    return this.ok({
      repo: repo.name,
      path: '/' + filePath,
      name: filePath.split('/').pop(),
      created: wall(file.created),
      createdBy: file.createdBy,
      lastModified: wall(file.modified),
      lastUpdated: wall(file.modified),
      modifiedBy: file.createdBy,
      uri: `${storage}/api/storage/${repo.name}/${filePath}`,
      downloadUri: `${storage}/${repo.name}/${filePath}`,
      mimeType: null,
      size: String(file.size),
      attention: followed ? '1' : '0',
      checksums: { ...file.checksums },
      packageName: null,
      version: null,
      groupId: null,
      artifactId: null,
      properties: null,
      downloadInfo: {
        uri: `${storage}/api/storage/${repo.name}/${filePath}`,
        downloadCount: file.downloadCount,
        lastDownloaded: 0,
        remoteDownloadCount: 0,
        remoteLastDownloaded: 0,
        lastDownloadedBy: '',
      },
      gavDisplay: { gavInfo: null, configInfo: '' },
      originalChecksums: {},
      displayName: repo.displayName ?? repo.repositoryName,
      display_size: formatSize(file.size),
    });
  }

  private deleteFile(req: SimRequest, who: SimIdentity): SimResponse {
    const body = objectBody(req);
    const full = requiredString(body, 'path').replace(/^\/+/, '');
    const [repoName] = full.split('/');
    const repo = this.mustFind(repoName ?? '');
    if (repo.format === 'maven2') throw badRequest('Maven files are not deleted through this API.');
    const filePath = full.slice(repo.name.length + 1);
    const file = repo.files.get(filePath);
    if (!file) throw notFound(`${full} does not exist.`);
    repo.files.delete(filePath);
    repo.trash.set(filePath, { ...file, modified: Date.now() });
    for (const list of this.follows.values()) {
      for (let i = list.length - 1; i >= 0; i--) if (list[i]?.path === full) list.splice(i, 1);
    }
    this.record(repo.name, 'file', 'delete', filePath, who, req);
    return this.ok('delete file success!');
  }

  // ---------- helpers ----------

  private put(repo: SimRepository): void {
    this.repositories.set(repo.name, repo);
    const m = /_(maven)_\d_(\d+)$/.exec(repo.name) ?? /_([a-z0-9]+)_(\d+)$/.exec(repo.name);
    if (m) {
      const key = m[1] === 'maven' ? 'maven-tab' : m[1]!;
      this.counters.set(key, Math.max(this.counters.get(key) ?? 0, Number(m[2])));
    }
  }

  private next(key: string, min: number): number {
    const n = Math.max((this.counters.get(key) ?? 0) + 1, min);
    this.counters.set(key, n);
    return n;
  }

  private nextId(format: string): string {
    return `${this.region}_${this.domainId}_${format}_${this.next(format, 1)}`;
  }

  private mustFind(id: string): SimRepository {
    const repo = this.repositories.get(id);
    if (!repo) throw notFound(`Repository ${id} does not exist.`);
    return repo;
  }

  private touch(repo: SimRepository, who: SimIdentity): void {
    repo.modified = Date.now();
    repo.modifiedUserName = who.user;
  }

  private record(repo: string, module: string, operation: string, data: string, who: SimIdentity, req: SimRequest): void {
    this.auditSeq += 1;
    const agent = req.headers['user-agent'];
    this.audit.push({
      id: String(this.auditSeq),
      repo,
      module,
      operation,
      time: Date.now(),
      data,
      operator: who.user,
      userAgent: agent ?? 'undici',
      ipSource: '127.0.0.1',
    });
  }

  private passwordOf(user: string): string {
    return this.passwords.get(user) ?? SEED_MAVEN_PASSWORD;
  }

  /** A repository as the list calls (4.3.1, 4.7.1) write it. */
  private listRow(r: SimRepository, overrides = true): Record<string, unknown> {
    const row: Record<string, unknown> = {
      id: null,
      name: r.name,
      description: r.description,
      createdTime: wall(r.created),
      createdUserId: r.createdUserId,
      createdUserName: r.createdUserName,
      modifiedTime: wall(r.modified),
      modifiedUserId: r.modifiedUserName ? userIdOf(r.modifiedUserName) : null,
      modifiedUserName: r.modifiedUserName,
      format: r.format,
      repoType: r.type,
      includesPattern: r.includesPattern,
      url: urlOf(r),
      storageSummaryInfo: null,
      projectId: r.projectId,
      shareRight: r.shareRight,
      deploymentPolicy: r.deploymentPolicy,
      repositoryName: r.repositoryName,
      displayName: r.displayName,
      policy: r.policy,
      tabId: r.tabId,
      status: r.status === 'active' ? 'active' : 'deleted',
      domainId: this.domainId,
      region: this.region,
      uri: null,
      disable: false,
      packageType: packageTypeOf(r.format),
    };
    return overrides ? { ...row, ...this.rowOverrides.get(r.name) } : row;
  }

  private ok(result: unknown): SimResponse {
    return { status: 200, json: { status: 'success', trace_id: this.traceId(), result } };
  }

  private fail(status: number, code: string, message: string): SimResponse {
    return {
      status,
      headers: { 'x-request-id': randomBytes(16).toString('hex') },
      json: { status: 'error', trace_id: this.traceId(), error_code: code, error_msg: message, result: null },
    };
  }

  private traceId(): string {
    this.traceSeq += 1;
    return `143002-${Date.now()}-${this.traceSeq}`;
  }
}

class SimFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const forbidden = () => new SimFailure(403, 'CR.4102', 'You do not have permissions on the project.');
/** A JSON value as it reads in a query string or message (strings unquoted). */
const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const badRequest = (message: string) => new SimFailure(400, 'CR.4000', message);
const notFound = (message: string) => new SimFailure(404, 'CR.4004', message);

function objectBody(req: SimRequest): Record<string, unknown> {
  let body: unknown;
  try {
    body = req.json();
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

function allowOnly(body: Record<string, unknown>, keys: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !keys.includes(k));
  if (unknown.length) throw badRequest(`Unknown parameter(s): ${unknown.join(', ')}.`);
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw badRequest(`${key} must be a Boolean.`);
  return value;
}

/** A count the upstream takes as a String of digits (Table 4-22: snapshot_alive_days, max_unique_snapshots). */
function optionalCount(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw badRequest(`${key} must be a String of digits.`);
  return value;
}

function requiredString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || !v.trim()) throw badRequest(`${key} is required.`);
  return v;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string.`);
  return v;
}

function stringArray(body: Record<string, unknown>, key: string): string[] {
  const v = body[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x): x is string => typeof x === 'string' && x.length > 0)) {
    throw badRequest(`${key} must be a non-empty array of strings.`);
  }
  return v;
}

function pageSize(q: URLSearchParams): number {
  const size = Number(q.get('page_size') ?? 10);
  if (!Number.isInteger(size) || size < 1 || size > SIM_MAX_PAGE) throw badRequest(`page_size must be 1 to ${SIM_MAX_PAGE}.`);
  return size;
}

/** One page (1-based `pageKey`, `page_size`) of `items`. */
function page<T>(items: readonly T[], q: URLSearchParams, pageKey: 'page_no' | 'page_num'): T[] {
  const n = Number(q.get(pageKey) ?? 1);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`${pageKey} must be a positive integer.`);
  const size = pageSize(q);
  return items.slice((n - 1) * size, n * size);
}

function inProject(r: SimRepository, project: string): boolean {
  return r.projectId === project || r.projects.has(project);
}

function usedBytes(r: SimRepository): number {
  let sum = 0;
  for (const f of r.files.values()) sum += f.size;
  return sum;
}

function userIdOf(user: string): string {
  return user === SEED_USER ? SEED_USER_ID : createHash('md5').update(user).digest('hex');
}

function packageTypeOf(format: string): string {
  return format === 'maven2' ? 'maven' : format;
}

function urlOf(r: SimRepository): string {
  const base = `https://devrepo.devcloud.${ARTIFACT_REGION}.ulangab.huawei.com/artgalaxy/`;
  return r.format === 'maven2' ? `${base}${r.name}/` : `${base}api/${r.format}/${r.name}/`;
}

/** A repository as the view call (4.2.3) writes it: its bookkeeping fields are null there. */
function viewRow(r: SimRepository): Record<string, unknown> {
  const maven = r.format === 'maven2';
  const status = r.status === 'active' ? 'active' : 'deleted';
  return {
    status: null,
    domainId: null,
    region: null,
    createdTime: null,
    modifiedTime: null,
    createdUserId: null,
    createdUserName: null,
    modifiedUserId: null,
    modifiedUserName: null,
    name: r.name,
    disable: false,
    format: r.format,
    type: r.type,
    policy: null,
    tabId: r.tabId,
    repositoryName: r.repositoryName,
    displayName: r.displayName,
    description: r.description,
    snapshot: r.snapshot,
    release: r.release,
    npm: null,
    snapshotStatus: maven && r.policy === 'snapshot' ? status : maven && r.snapshot ? 'active' : null,
    releaseStatus: maven && r.policy === 'release' ? status : maven && r.release ? 'active' : null,
    projectId: r.projectId,
    includesPattern: r.includesPattern,
    repositoryIds: null,
    uri: null,
    deploymentPolicy: r.deploymentPolicy,
    repositories: null,
    parentRepoName: null,
    userName: null,
    password: null,
    remoteUrl: null,
    defaultDeployRepository: null,
    remoteType: null,
    proxy: null,
    allowAnonymous: r.allowAnonymous,
    autoCleanSnapshot: r.autoCleanSnapshot,
    snapshotAliveDays: r.snapshotAliveDays,
    maxUniqueSnapshots: r.maxUniqueSnapshots,
    shareRight: r.shareRight,
    nexuRepo: false,
    url: urlOf(r),
    packageType: packageTypeOf(r.format),
  };
}

function blankRepository(
  name: string,
  repositoryName: string,
  format: string,
  projectId: string | null,
  now: number,
  user: string,
): SimRepository {
  return {
    name,
    repositoryName,
    displayName: null,
    description: '',
    format,
    type: 'hosted',
    policy: null,
    tabId: null,
    projectId,
    projects: new Set(),
    includesPattern: '**/*',
    deploymentPolicy: null,
    shareRight: projectId ? 'PROJECT' : null,
    release: null,
    snapshot: null,
    status: 'active',
    created: now,
    modified: now,
    createdUserName: user,
    createdUserId: userIdOf(user),
    modifiedUserName: null,
    // The seed's Maven view: anonymous reads off, 10 unique snapshots; other formats say nothing.
    allowAnonymous: format === 'maven2' ? false : null,
    autoCleanSnapshot: null,
    snapshotAliveDays: null,
    maxUniqueSnapshots: format === 'maven2' ? '10' : null,
    files: new Map(),
    trash: new Map(),
  };
}

function makeFile(path: string, size: number, at: number, user: string, checksums: SeedFile['checksums'] = {}): SimArtifactFile {
  const digest = (algo: string) =>
    createHash(algo)
      .update(path + size)
      .digest('hex');
  return {
    path,
    size,
    created: at,
    modified: at,
    createdBy: user,
    checksums: {
      md5: checksums.md5 ?? digest('md5'),
      sha1: checksums.sha1 ?? digest('sha1'),
      sha256: checksums.sha256 ?? digest('sha256'),
      sha512: checksums.sha512 ?? digest('sha512'),
    },
    downloadCount: 0,
  };
}

function fromSeed(seed: SeedRepository): SimRepository {
  const created = fromWall(seed.created);
  const repo = blankRepository(seed.name, seed.repositoryName, seed.format, seed.projectId ?? null, created, SEED_USER);
  Object.assign(repo, {
    displayName: seed.displayName ?? null,
    description: seed.description ?? '',
    type: seed.type ?? 'hosted',
    policy: seed.policy ?? null,
    tabId: seed.tabId ?? null,
    includesPattern: seed.includesPattern ?? '**/*',
    deploymentPolicy: seed.deploymentPolicy ?? null,
    shareRight: seed.shareRight ?? null,
    release: seed.release ?? null,
    snapshot: seed.snapshot ?? null,
    status: seed.inRecycleBin ? 'recycled' : 'active',
    modified: seed.modified ? fromWall(seed.modified) : created,
    modifiedUserName: seed.modified ? SEED_USER : null,
  });
  for (const p of seed.associatedProjects ?? []) repo.projects.add(p);
  const toFile = (f: SeedFile) => {
    const file = makeFile(f.path, f.size, fromWall(f.created), f.createdBy ?? SEED_USER, f.checksums);
    file.modified = f.modified ? fromWall(f.modified) : file.created;
    return file;
  };
  for (const f of seed.files ?? []) repo.files.set(f.path, toFile(f));
  for (const f of seed.trash ?? []) repo.trash.set(f.path, toFile(f));
  return repo;
}

/** Epoch ms of a seed wall-clock time (`2023-11-24 17:13:52[.711]` or `2023/10/27 15:46:19`) in UTC+8. */
function fromWall(text: string): number {
  const m = /^(\d{4})[-/](\d{2})[-/](\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?$/.exec(text);
  if (!m) throw new TypeError(`not a seed time: ${text}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +(m[7] ?? 0)) - ZONE_MS;
}

/** `YYYY-MM-DD HH:mm:ss` in UTC+8, as Artifact writes most times. */
function wall(ms: number): string {
  return new Date(ms + ZONE_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `YYYY/MM/DD HH:mm:ss` in UTC+8, as the audit log writes times. */
function slashWall(ms: number): string {
  return wall(ms).replace(/-/g, '/');
}

/** ISO with the +08:00 offset, as search hits and trees write `modified`/`created`. */
function isoWithOffset(ms: number): string {
  return new Date(ms + ZONE_MS).toISOString().replace('Z', '+08:00');
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * 86_400_000).toISOString().slice(0, 10);
}

/** Artifact's size text: 1024-based, at most two decimals, thousands commas (`1,010.15 KB`); "" for nothing. */
export function formatSize(bytes: number): string {
  if (bytes <= 0) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${units[unit]}`;
}
