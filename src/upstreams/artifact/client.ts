import type { HuaweiCredentials } from '../../auth/huawei-auth';
import { UpstreamBadResponseError } from '../../errors';
import { path, type HttpMethod, type QueryValue, type UpstreamClient } from '../http-client';

/** The `result` of an Artifact answer and its request id. */
export interface ArtifactAnswer {
  result: unknown;
  traceId: string | null;
}

interface Call {
  method: HttpMethod;
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  json?: unknown;
  /** Only reads may be retried; coordinated search is a POST that reads. */
  read: boolean;
}

/** Query of the paged repository list (`GET /cloudartifact/v5/{tenant}/{project}/repositories`). */
export interface RepositoryListQuery {
  pageNo: number;
  pageSize: number;
  qname?: string;
  type?: string;
  format?: string;
  formatList?: string[];
  inRecycleBin?: boolean;
  inProject: boolean;
  groupId?: string;
  sort?: string;
}

export interface SearchQuery {
  pageNo: number;
  pageSize: number;
  format?: string;
  /** Searches that project only; absent: the whole tenant. */
  projectId?: string;
}

/** One item of the recycle-bin calls. */
export interface TrashItem {
  id: string;
  format: string;
  uri: string;
  status: string;
  /** Deletion only (Table 4-5): path whitelist. */
  include_pattern?: string;
}

/** Body of `POST /cloudartifact/v5/maven/repositories`. */
export interface MavenRepositoryBody {
  repository_name: string;
  format: 'maven2';
  description?: string;
  release?: string;
  snapshot?: string;
  includes_pattern?: string;
  share_right?: string;
  project_id?: string;
  type?: string;
}

/** Body of `POST /cloudartifact/v5/repositories`: Docker takes exactly these four keys. */
export interface DockerRepositoryBody {
  format: 'docker';
  display_name: string;
  description?: string;
  type: string;
}

/** Body of `POST /cloudartifact/v5/artifact/` (every other format). */
export interface RepositoryBody {
  format: string;
  type: string;
  repository_name: string;
  description?: string;
  includes_pattern: string;
  project_id?: string;
  share_right?: string;
}

/** Body of `PUT /cloudartifact/v5/repositories/tab/{tab_id}` (Maven). */
export interface MavenRepositoryEditBody {
  repo_name: string;
  includes_pattern?: string;
  project_id?: string;
  description?: string;
  snapshot?: string;
  release?: string;
}

/** Body of `PUT /cloudartifact/v5/artifact/` (non-Maven). */
export interface RepositoryEditBody {
  repo_name: string;
  format: string;
  repository_ids: string[];
  description?: string;
  includes_pattern?: string;
  deployment_policy?: string;
  auto_clean_snapshot?: boolean;
  /** A string upstream (Table 4-22). */
  snapshot_alive_days?: string;
  /** A string upstream (Table 4-22). */
  max_unique_snapshots?: string;
  allow_anonymous?: boolean;
}

const V5 = '/cloudartifact/v5';

/**
 * CodeArts Artifact API (`/cloudartifact/v5/...`, seed: codearts-artifact-api.md), one method
 * per operation. Answers come back as the envelope's `result`, still `unknown` until mapped.
 */
export class ArtifactClient {
  constructor(private readonly http: UpstreamClient) {}

  // ---------- reads ----------

  viewRepository(repoId: string, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'GET', path: V5 + path`/repositories/${repoId}`, read: true }, c, signal);
  }

  listRepositories(
    tenantId: string,
    projectId: string,
    q: RepositoryListQuery,
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: V5 + path`/${tenantId}/${projectId}/repositories`,
        query: {
          group_id: q.groupId,
          page_no: q.pageNo,
          page_size: q.pageSize,
          sort: q.sort,
          qname: q.qname,
          type: q.type,
          format: q.format,
          format_list: q.formatList?.join(','),
          is_recycle_bin: q.inRecycleBin,
          // The connection pages with the upstream's pages: an unpaged answer would still be cut to one window.
          is_need_paging: true,
          in_project: q.inProject,
        },
        read: true,
      },
      c,
      signal,
    );
  }

  /** Repository details with its file count and used space; `region` is the id's prefix. */
  repositoryStatistics(
    tenantId: string,
    projectId: string,
    repoId: string,
    region: string,
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      { method: 'GET', path: V5 + path`/${tenantId}/${projectId}/${repoId}/repositories`, query: { region }, read: true },
      c,
      signal,
    );
  }

  projectRepositories(projectId: string, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'GET', path: `${V5}/maven/repository/list`, query: { project_id: projectId }, read: true }, c, signal);
  }

  mavenInfo(
    q: { projectId?: string; policy?: string; access?: string; includeDefault?: boolean; ids?: readonly string[] },
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: `${V5}/maven/info`,
        query: { project_id: q.projectId, policy: q.policy, access: q.access, default: q.includeDefault, ids: q.ids?.join(',') },
        read: true,
      },
      c,
      signal,
    );
  }

  storageUsage(q: { formatList?: string[]; inProject?: boolean }, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call(
      { method: 'GET', path: `${V5}/storage`, query: { format_list: q.formatList?.join(','), in_project: q.inProject }, read: true },
      c,
      signal,
    );
  }

  storageTrend(
    tenantId: string,
    projectId: string,
    q: { repo?: string; startTime?: string; endTime?: string; instanceId?: string },
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: V5 + path`/${tenantId}/${projectId}/storageinfo/statistic`,
        query: { repo: q.repo, start_time: q.startTime, end_time: q.endTime, instance_id: q.instanceId },
        read: true,
      },
      c,
      signal,
    );
  }

  /** Audit logs page with `page_num` (every other list pages with `page_no`). */
  auditLogs(
    tenantId: string,
    projectId: string,
    module: string,
    repoId: string,
    q: { pageNum: number; pageSize: number; userId?: string; instanceId?: string },
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: V5 + path`/${tenantId}/${projectId}/${module}/${repoId}/audit`,
        query: { user_id: q.userId, instance_id: q.instanceId, page_num: q.pageNum, page_size: q.pageSize },
        read: true,
      },
      c,
      signal,
    );
  }

  followedArtifacts(
    q: { pageNo: number; pageSize: number; projectId?: string },
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: `${V5}/attention/artifacts`,
        query: { page_no: q.pageNo, page_size: q.pageSize, project_id: q.projectId },
        read: true,
      },
      c,
      signal,
    );
  }

  fileTree(
    tenantId: string,
    projectId: string,
    repoId: string,
    q: { path: string; inRecycleBin?: boolean; instanceId?: string },
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: V5 + path`/${tenantId}/${projectId}/${repoId}/file-tree`,
        query: { path: q.path, instance_id: q.instanceId, is_recycle_bin: q.inRecycleBin },
        read: true,
      },
      c,
      signal,
    );
  }

  fileDetail(
    tenantId: string,
    projectId: string,
    repoId: string,
    q: { path: string; format: string; instanceId?: string },
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: V5 + path`/${tenantId}/${projectId}/${repoId}/file-detail`,
        query: { path: q.path, format: q.format, instance_id: q.instanceId },
        read: true,
      },
      c,
      signal,
    );
  }

  searchByChecksum(checksum: string, q: SearchQuery, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'GET',
        path: `${V5}/search/checksum`,
        query: {
          checksum,
          page_no: q.pageNo,
          page_size: q.pageSize,
          format: q.format,
          in_project: q.projectId !== undefined,
          project_id: q.projectId,
        },
        read: true,
      },
      c,
      signal,
    );
  }

  /** Coordinated search: a POST that only reads. */
  searchByName(name: string, q: SearchQuery, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call(
      {
        method: 'POST',
        path: `${V5}/tree/repos/artifacts`,
        json: {
          artifact_name: name,
          artifact_type: q.format,
          page_no: q.pageNo,
          page_size: q.pageSize,
          project_id: q.projectId,
          in_project: q.projectId !== undefined,
        },
        read: true,
      },
      c,
      signal,
    );
  }

  // ---------- writes ----------

  createMavenRepository(body: MavenRepositoryBody, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'POST', path: `${V5}/maven/repositories`, json: body, read: false }, c, signal);
  }

  createDockerRepository(body: DockerRepositoryBody, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'POST', path: `${V5}/repositories`, json: body, read: false }, c, signal);
  }

  createRepository(body: RepositoryBody, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'POST', path: `${V5}/artifact/`, json: body, read: false }, c, signal);
  }

  updateMavenRepository(tabId: string, body: MavenRepositoryEditBody, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'PUT', path: V5 + path`/repositories/tab/${tabId}`, json: body, read: false }, c, signal);
  }

  updateRepositories(body: RepositoryEditBody, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'PUT', path: `${V5}/artifact/`, json: body, read: false }, c, signal);
  }

  moveToRecycleBin(format: string, repositoryIds: readonly string[], c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call(
      { method: 'DELETE', path: `${V5}/repositories`, json: { format, repository_ids: repositoryIds }, read: false },
      c,
      signal,
    );
  }

  restoreFromRecycleBin(items: readonly TrashItem[], c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'PUT', path: `${V5}/trashes`, json: items, read: false }, c, signal);
  }

  deleteFromRecycleBin(items: readonly TrashItem[], c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'DELETE', path: `${V5}/trashes`, json: items, read: false }, c, signal);
  }

  /** `attention`: "1" follows, "0" unfollows. */
  setAttention(
    attention: '0' | '1',
    ids: readonly string[],
    format: string | undefined,
    c: HuaweiCredentials,
    signal?: AbortSignal,
  ): Promise<ArtifactAnswer> {
    return this.call({ method: 'POST', path: `${V5}/attention`, json: { attention, ids, format }, read: false }, c, signal);
  }

  deleteFile(filePath: string, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'DELETE', path: `${V5}/file`, json: { path: filePath }, read: false }, c, signal);
  }

  associateProject(projectId: string, tabIds: readonly string[], c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call(
      { method: 'POST', path: `${V5}/maven/project/repository`, json: { project_id: projectId, ids: tabIds }, read: false },
      c,
      signal,
    );
  }

  /** Resets the caller's deploy password. The answer is handed back unread: it may hold the new one. */
  resetPassword(c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    return this.call({ method: 'POST', path: `${V5}/maven/users/me`, read: false }, c, signal);
  }

  private async call(call: Call, c: HuaweiCredentials, signal?: AbortSignal): Promise<ArtifactAnswer> {
    const res = await this.http.request({ ...call, auth: c.authenticator, signal });
    // Errors (HTTP or embedded, read by ./errors.ts) were thrown by the client; what is left must be a success envelope.
    const body = res.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || !('status' in body)) {
      throw new UpstreamBadResponseError('artifact', 'answer is not a {status, trace_id, result} envelope', res.status);
    }
    const envelope = body as { trace_id?: unknown; result?: unknown };
    return {
      result: envelope.result ?? null,
      traceId: typeof envelope.trace_id === 'string' ? envelope.trace_id : null,
    };
  }
}
