import type { ArtifactFormat, CreateRepositoryInput, RecycleBinItemInput, UpdateRepositoryInput } from '../generated/graphql';
import { badUserInput } from '../errors';
import type { GatewayContext } from '../context';
import type { TrashItem } from '../upstreams/artifact/client';
import type { CreateRepositoryRequest, UpdateRepositoryRequest } from '../upstreams/artifact/commands';
import { formatSegmentOfRepositoryId, knownFormatOf, REPOSITORY_ID, upstreamFormat } from '../upstreams/artifact/mapping';

/**
 * Arguments of the Artifact fields, checked before any upstream call (BAD_USER_INPUT), and the
 * upstream bodies built from them. An input the chosen endpoint cannot take is refused by name,
 * never silently dropped.
 */

const PROJECT_ID = /^[A-Za-z0-9]{32}$/;
const TAB_ID = /^[A-Za-z0-9_-]{1,128}$/;
const CHECKSUM = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/;
const MODULE = /^[a-z][a-z_-]{0,31}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Most ids one mutation takes. */
export const MAX_IDS = 100;

function shown(value: string): string {
  return JSON.stringify(value.length > 64 ? value.slice(0, 64) + '…' : value);
}

/** The caller's project, else the configured default CodeArts project. */
export function projectOf(ctx: GatewayContext, projectId: string | null | undefined, argument = 'projectId'): string {
  const project = projectId ?? ctx.services.config.huawei.codeartsProjectId;
  if (!project)
    throw badUserInput(`${argument} is required: no default CodeArts project (CODEARTS_PROJECT_ID) is configured`, { argument });
  return checkProject(project, argument);
}

/** The caller's project when given (validated), else undefined (the whole tenant). */
export function optionalProject(projectId: string | null | undefined, argument = 'projectId'): string | undefined {
  return projectId === null || projectId === undefined ? undefined : checkProject(projectId, argument);
}

function checkProject(project: string, argument: string): string {
  if (!PROJECT_ID.test(project)) throw badUserInput(`${argument} must be 32 letters and digits, got ${shown(project)}`, { argument });
  return project;
}

/** A repository id (`cn-north-7_<domain>_<format>_<n>`). */
export function repositoryId(value: string, argument: string): string {
  if (!REPOSITORY_ID.test(value)) {
    throw badUserInput(`${argument} must be a repository id such as cn-north-7_<domain>_maven_1_201, got ${shown(value)}`, { argument });
  }
  return value;
}

/** Refuses an id whose format segment names another format than the one given. */
function checkFormatOfId(id: string, format: ArtifactFormat, argument: string): void {
  const segmentFormat = knownFormatOf(formatSegmentOfRepositoryId(id));
  if (segmentFormat && segmentFormat !== format) {
    throw badUserInput(`${argument}: ${shown(id)} is a ${segmentFormat} repository, not ${format}`, { argument });
  }
}

export function text(value: string, argument: string, max: number): string {
  const trimmed = value.trim();
  if (!trimmed) throw badUserInput(`${argument} must not be empty`, { argument });
  if (trimmed.length > max) throw badUserInput(`${argument} must be at most ${max} characters`, { argument });
  return trimmed;
}

function optionalText(value: string | null | undefined, argument: string, max: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length > max) throw badUserInput(`${argument} must be at most ${max} characters`, { argument });
  return value;
}

/** A path inside a repository; `..` segments are refused. */
export function repositoryPath(value: string, argument: string): string {
  const p = text(value, argument, 1024);
  if (p.split('/').some((seg) => seg === '..')) throw badUserInput(`${argument} must not contain '..' segments`, { argument });
  return p;
}

/** The upstream `instance_id` where given (the seed says nothing of its shape beyond a string). */
export function instanceId(value: string | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : text(value, 'instanceId', 64);
}

export function checksum(value: string): string {
  if (!CHECKSUM.test(value)) {
    throw badUserInput(`checksum must be an MD5, SHA-1, SHA-256 or SHA-512 in hex, got ${shown(value)}`, { argument: 'checksum' });
  }
  return value.toLowerCase();
}

export function auditModule(value: string): string {
  if (!MODULE.test(value))
    throw badUserInput(`module must be a module name such as file or repository, got ${shown(value)}`, { argument: 'module' });
  return value;
}

function dayNumber(value: string, argument: string): number {
  const m = DATE.exec(value);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw badUserInput(`${argument} must be a date as YYYY-MM-DD, got ${shown(value)}`, { argument });
  }
  return ms / 86_400_000;
}

/** `from`/`to` of the capacity trend: real dates, in order, at most 366 days apart. */
export function dateRange(from: string | null | undefined, to: string | null | undefined): { startTime?: string; endTime?: string } {
  const start = from ? dayNumber(from, 'from') : undefined;
  const end = to ? dayNumber(to, 'to') : undefined;
  if (start !== undefined && end !== undefined) {
    if (start > end) throw badUserInput('from must not be after to', { argument: 'from' });
    if (end - start > 366) throw badUserInput('from and to must be at most 366 days apart', { argument: 'to' });
  }
  return { startTime: from ?? undefined, endTime: to ?? undefined };
}

export function mavenAccess(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value !== 'r' && value !== 'rw') throw badUserInput(`access must be r or rw, got ${shown(value)}`, { argument: 'access' });
  return value;
}

export function mavenPolicy(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!/^(release|releases|snapshot|snapshots)$/.test(value)) {
    throw badUserInput(`policy must be release or snapshot, got ${shown(value)}`, { argument: 'policy' });
  }
  return value;
}

export function idList(ids: readonly string[], argument: string, check: (id: string) => string): string[] {
  if (ids.length === 0) throw badUserInput(`${argument} must name at least one id`, { argument });
  if (ids.length > MAX_IDS) throw badUserInput(`${argument} takes at most ${MAX_IDS} ids`, { argument });
  return [...new Set(ids.map(check))];
}

/** An artifact id or file path: `<repository id>/<path in it>`. */
export function artifactPath(value: string, argument: string): { repositoryId: string; path: string } {
  const full = repositoryPath(value, argument).replace(/^\/+/, '');
  const slash = full.indexOf('/');
  const repo = slash < 0 ? full : full.slice(0, slash);
  const rest = slash < 0 ? '' : full.slice(slash + 1);
  if (!REPOSITORY_ID.test(repo) || !rest) {
    throw badUserInput(`${argument} must be <repository id>/<path>, e.g. cn-north-7_<domain>_go_19/down/file, got ${shown(value)}`, {
      argument,
    });
  }
  return { repositoryId: repo, path: full };
}

/** The file-deletion endpoint is for non-Maven files only. */
export function refuseMavenFile(repositoryId: string): void {
  if (formatSegmentOfRepositoryId(repositoryId) === 'maven') {
    throw badUserInput('path: Maven files cannot be deleted through the non-Maven file deletion endpoint', { argument: 'path' });
  }
}

/** Names the inputs that were given although the endpoint cannot take them. */
function refuse(input: Record<string, unknown>, names: readonly string[], why: string): void {
  const given = names.filter((n) => input[n] !== null && input[n] !== undefined);
  if (given.length) {
    throw badUserInput(`${given.join(', ')} cannot be set ${why}`, { argument: `input.${given[0]}` });
  }
}

const DEFAULT_INCLUDES = '**/*';
const DEFAULT_TYPE = 'hosted';

export function createRequest(input: CreateRepositoryInput): CreateRepositoryRequest {
  const name = text(input.name, 'input.name', 100);
  const description = optionalText(input.description, 'input.description', 1000);
  const type = input.type ? text(input.type, 'input.type', 32) : DEFAULT_TYPE;
  const record = input as unknown as Record<string, unknown>;
  switch (input.format) {
    case 'MAVEN2':
      return {
        kind: 'maven',
        body: {
          repository_name: name,
          format: 'maven2',
          description,
          // A Maven repository is a release/snapshot pair: each named after the repository unless given.
          release: input.release ? text(input.release, 'input.release', 100) : name,
          snapshot: input.snapshot ? text(input.snapshot, 'input.snapshot', 100) : name,
          includes_pattern: optionalText(input.includesPattern, 'input.includesPattern', 1000) ?? DEFAULT_INCLUDES,
          share_right: optionalText(input.shareRight, 'input.shareRight', 32),
          // Optional upstream (Table 4-7): a repository may belong to no project.
          project_id: optionalProject(input.projectId, 'input.projectId'),
          type,
        },
      };
    case 'DOCKER':
      refuse(
        record,
        ['projectId', 'includesPattern', 'shareRight', 'release', 'snapshot'],
        'for a Docker repository (it takes only format, name, description and type)',
      );
      return { kind: 'docker', body: { format: 'docker', display_name: name, description, type } };
    default:
      refuse(record, ['release', 'snapshot'], `for a ${input.format} repository (Maven only)`);
      return {
        kind: 'other',
        body: {
          format: upstreamFormat(input.format),
          type,
          repository_name: name,
          description,
          includes_pattern: optionalText(input.includesPattern, 'input.includesPattern', 1000) ?? DEFAULT_INCLUDES,
          // Optional upstream (Table 4-20): a repository may belong to no project.
          project_id: optionalProject(input.projectId, 'input.projectId'),
          share_right: optionalText(input.shareRight, 'input.shareRight', 32),
        },
      };
  }
}

export function updateRequest(input: UpdateRepositoryInput): UpdateRepositoryRequest {
  const name = text(input.name, 'input.name', 100);
  const description = optionalText(input.description, 'input.description', 1000);
  const includes = optionalText(input.includesPattern, 'input.includesPattern', 1000);
  const record = input as unknown as Record<string, unknown>;
  if (input.format === 'MAVEN2') {
    refuse(
      record,
      ['repositoryIds', 'deploymentPolicy', 'autoCleanSnapshot', 'snapshotAliveDays', 'maxUniqueSnapshots', 'allowAnonymous'],
      "for a Maven repository (it is edited by tabId; the seed's Maven edit takes none of them)",
    );
    if (!input.tabId) throw badUserInput('input.tabId is required to edit a Maven repository', { argument: 'input.tabId' });
    if (!TAB_ID.test(input.tabId))
      throw badUserInput(`input.tabId is not a tab id, got ${shown(input.tabId)}`, { argument: 'input.tabId' });
    return {
      kind: 'maven',
      tabId: input.tabId,
      body: {
        repo_name: name,
        description,
        includes_pattern: includes,
        project_id: optionalProject(input.projectId, 'input.projectId'),
        release: input.release ? text(input.release, 'input.release', 100) : undefined,
        snapshot: input.snapshot ? text(input.snapshot, 'input.snapshot', 100) : undefined,
      },
    };
  }
  refuse(record, ['tabId', 'release', 'snapshot', 'projectId'], `for a ${input.format} repository (Maven only)`);
  const ids = idList(input.repositoryIds ?? [], 'input.repositoryIds', (id) => {
    repositoryId(id, 'input.repositoryIds');
    checkFormatOfId(id, input.format, 'input.repositoryIds');
    return id;
  });
  return {
    kind: 'other',
    body: {
      repo_name: name,
      format: upstreamFormat(input.format),
      repository_ids: ids,
      description,
      includes_pattern: includes,
      deployment_policy: optionalText(input.deploymentPolicy, 'input.deploymentPolicy', 32),
      auto_clean_snapshot: input.autoCleanSnapshot ?? undefined,
      // Strings upstream (Table 4-22); whole numbers here so a client cannot send "ten".
      snapshot_alive_days: countText(input.snapshotAliveDays, 'input.snapshotAliveDays', 1, 36_500),
      max_unique_snapshots: countText(input.maxUniqueSnapshots, 'input.maxUniqueSnapshots', 1, 1_000_000),
      allow_anonymous: input.allowAnonymous ?? undefined,
    },
  };
}

/** A whole number in [min, max] as the upstream's string, or undefined when not given. */
function countText(value: number | null | undefined, argument: string, min: number, max: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value < min || value > max) throw badUserInput(`${argument} must be between ${min} and ${max}, got ${value}`, { argument });
  return String(value);
}

export function repositoryIdsOf(format: ArtifactFormat, ids: readonly string[]): string[] {
  return idList(ids, 'ids', (id) => {
    repositoryId(id, 'ids');
    checkFormatOfId(id, format, 'ids');
    return id;
  });
}

/**
 * Recycle-bin items; `status` defaults to `active` (the upstream requires one). `includePattern`
 * is sent on deletion only (Table 4-5); restoration (Table 4-2) has no such key and refuses it.
 */
export function trashItems(items: readonly RecycleBinItemInput[], use: 'restore' | 'delete'): TrashItem[] {
  if (items.length === 0) throw badUserInput('items must hold at least one item', { argument: 'items' });
  if (items.length > MAX_IDS) throw badUserInput(`items takes at most ${MAX_IDS} items`, { argument: 'items' });
  return items.map((item, i) => {
    const argument = `items[${i}]`;
    const id = repositoryId(item.id, `${argument}.id`);
    checkFormatOfId(id, item.format, `${argument}.id`);
    const uri = repositoryPath(item.uri, `${argument}.uri`).replace(/^\/+/, '');
    if (uri !== id && !uri.startsWith(id + '/')) {
      throw badUserInput(`${argument}.uri must lie in repository ${item.id} (e.g. ${item.id}/), got ${shown(item.uri)}`, {
        argument: `${argument}.uri`,
      });
    }
    if (use === 'restore' && item.includePattern !== null && item.includePattern !== undefined) {
      throw badUserInput(`${argument}.includePattern cannot be set when restoring (only deletion takes it)`, {
        argument: `${argument}.includePattern`,
      });
    }
    return {
      id,
      format: upstreamFormat(item.format),
      uri: uri === id ? id + '/' : uri,
      status: item.status ? text(item.status, `${argument}.status`, 32) : 'active',
      include_pattern: optionalText(item.includePattern, `${argument}.includePattern`, 1000),
    };
  });
}

export function tabIds(ids: readonly string[]): string[] {
  return idList(ids, 'tabIds', (id) => {
    if (!TAB_ID.test(id)) throw badUserInput(`tabIds: not a tab id, got ${shown(id)}`, { argument: 'tabIds' });
    return id;
  });
}
