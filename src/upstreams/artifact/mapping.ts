import { z } from 'zod';
import type {
  Artifact,
  ArtifactAccount,
  ArtifactFile,
  ArtifactFormat,
  AuditLog,
  FileTree,
  FileTreeNode,
  FollowedArtifact,
  MavenRepository,
  Repository,
  RepositoryStorage,
  StorageSnapshot,
  StorageUsage,
} from '../../generated/graphql';
import { badUserInput, UpstreamBadResponseError } from '../../errors';
import type { LeftOutRow } from '../../paging/left-out';
import { toUtcIso } from '../../time';

/**
 * CodeArts Artifact answers → schema types. Every row enters as `unknown` and is narrowed here;
 * a row that cannot be read becomes a {@link LeftOutRow} (lists) or an Error (single lookups),
 * never a throw that would take its siblings down with it.
 */

// ---------- formats and ids ----------

type KnownFormat = Exclude<ArtifactFormat, 'UNKNOWN'>;

const FORMAT_TO_UPSTREAM: Record<KnownFormat, string> = {
  MAVEN2: 'maven2',
  NPM: 'npm',
  GO: 'go',
  PYPI: 'pypi',
  RPM: 'rpm',
  DEBIAN: 'debian',
  CONAN: 'conan',
  NUGET: 'nuget',
  DOCKER: 'docker',
  GENERIC: 'generic',
};

/** The upstream spelling of a format (`maven2`, `pypi`, ...); UNKNOWN names no format and is refused. */
export function upstreamFormat(format: ArtifactFormat): string {
  if (format === 'UNKNOWN') {
    throw badUserInput('format UNKNOWN only reports a format the gateway does not know; it cannot be sent upstream', {
      argument: 'format',
    });
  }
  return FORMAT_TO_UPSTREAM[format];
}

/** The schema enum of an upstream format the gateway knows, or null. */
export function knownFormatOf(value: string | null | undefined): KnownFormat | null {
  if (!value) return null;
  const lower = value.toLowerCase();
  if (lower === 'maven') return 'MAVEN2';
  const hit = (Object.entries(FORMAT_TO_UPSTREAM) as Array<[KnownFormat, string]>).find(([, up]) => up === lower);
  return hit ? hit[0] : null;
}

/** The schema enum of an upstream format: UNKNOWN for one the schema does not know, null when absent. */
export function formatOf(value: string | null | undefined): ArtifactFormat | null {
  return value ? (knownFormatOf(value) ?? 'UNKNOWN') : null;
}

/**
 * A repository id as the upstream writes it: `<region>_<domain>_<format>_<n>[_<n>]`, e.g.
 * `cn-north-7_5a775fdcb14f4431b6c0015618140bc3_maven_1_201`.
 */
export const REPOSITORY_ID = /^([a-z]{2,}(?:-[a-z0-9]+)+)_([A-Za-z0-9]+)_([a-z0-9]+)((?:_[A-Za-z0-9]+)+)$/;

/** Region of a repository id (its prefix); the statistics call needs it. */
export function regionOfRepositoryId(id: string): string | null {
  return REPOSITORY_ID.exec(id)?.[1] ?? null;
}

/** Format segment of a repository id (`maven`, `pypi`, ...). */
export function formatSegmentOfRepositoryId(id: string): string | null {
  return REPOSITORY_ID.exec(id)?.[3] ?? null;
}

// ---------- sizes ----------

const UNITS: Record<string, number> = { B: 0, BYTE: 0, BYTES: 0, KB: 1, K: 1, MB: 2, M: 2, GB: 3, G: 3, TB: 4, T: 4, PB: 5, P: 5 };

/**
 * Bytes of an upstream size string. Artifact writes 1024-based sizes with thousands commas
 * (`1,010.15 KB`, `549.62 MB`, `0 MB`); an empty string means "no figure", not zero.
 */
export function parseSize(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const m = /^\s*([\d,]+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value);
  if (!m) return null;
  const amount = Number((m[1] ?? '').replace(/,/g, ''));
  const exponent = UNITS[(m[2] || 'B').toUpperCase()];
  if (!Number.isFinite(amount) || exponent === undefined) return null;
  return Math.round(amount * 1024 ** exponent);
}

// ---------- shared pieces ----------

/** A list answer after mapping: readable rows with their positions, and those left out. */
export interface MappedRows<T> {
  rows: Array<{ position: number; node: T }>;
  leftOut: LeftOutRow[];
}

/** Maps each row; one that cannot be read is left out with its reason, its siblings stay. */
export function mapRows<T>(items: readonly unknown[], firstPosition: number, map: (row: unknown) => T | Error): MappedRows<T> {
  const out: MappedRows<T> = { rows: [], leftOut: [] };
  items.forEach((row, i) => {
    const node = map(row);
    const position = firstPosition + i;
    if (node instanceof Error) {
      out.leftOut.push({ position, id: rowId(row), reason: node instanceof UpstreamBadResponseError ? node.detail : node.message });
    } else out.rows.push({ position, node });
  });
  return out;
}

function rowId(row: unknown): string | null {
  if (!row || typeof row !== 'object') return null;
  const r = row as Record<string, unknown>;
  for (const key of ['name', 'id', 'relativePath', 'path']) {
    const v = r[key];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

function unreadable(what: string, error: z.ZodError): UpstreamBadResponseError {
  const issue = error.issues[0];
  return new UpstreamBadResponseError(
    'artifact',
    `unreadable ${what} at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
  );
}

const text = z.union([z.string(), z.number(), z.boolean()]).transform(String).nullish();
const time = z.union([z.string(), z.number()]).nullish();
const count = z
  .union([z.number(), z.string().regex(/^\d+$/)])
  .transform(Number)
  .nullish();
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1')
  .nullish();

/**
 * Settings a row may carry (`disable`, `allowAnonymous`, `maxUniqueSnapshots`...): a value of
 * another shape reads as null rather than making the whole row unreadable.
 */
const softFlag = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null));
const softInt = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'number' || (typeof v === 'string' && /^\d{1,9}$/.test(v)) ? Number(v) : null))
  .transform((n) => (n !== null && Number.isSafeInteger(n) && n >= 0 && n <= 2_147_483_647 ? n : null));

function iso(value: string | number | null | undefined, zone: string): string | null {
  return toUtcIso(value, zone);
}

// ---------- repositories ----------

/** What a `Repository` resolves from: the schema type plus statistics the row already carried. */
export type RepositoryModel = Omit<Repository, 'storage'> & {
  /** Storage figures present in the row itself (the statistics call's answer); null: ask for them. */
  prefetchedStorage: RepositoryStorage | null;
};

const StorageSummary = z.object({ filesCount: count, usedSpace: text });

const RepositoryRow = z.object({
  name: z.string().min(1, { message: 'a repository needs its id (`name`)' }),
  repositoryName: text,
  displayName: text,
  description: text,
  format: text,
  type: text,
  repoType: text,
  policy: text,
  status: text,
  releaseStatus: text,
  snapshotStatus: text,
  projectId: text,
  tabId: text,
  url: text,
  includesPattern: text,
  deploymentPolicy: text,
  shareRight: text,
  region: text,
  packageType: text,
  createdTime: time,
  modifiedTime: time,
  createdUserName: text,
  createdUserId: text,
  modifiedUserName: text,
  modifiedUserId: text,
  disable: softFlag,
  release: text,
  snapshot: text,
  allowAnonymous: softFlag,
  autoCleanSnapshot: softFlag,
  snapshotAliveDays: softInt,
  maxUniqueSnapshots: softInt,
  storageSummaryInfo: StorageSummary.nullish(),
});

function storageOf(summary: z.output<typeof StorageSummary>): RepositoryStorage {
  const usedSpace = summary.usedSpace ?? null;
  return { filesCount: summary.filesCount ?? null, usedSpace, usedBytes: parseSize(usedSpace) };
}

/**
 * One repository row of any Artifact answer (view, list, project list, statistics, creation).
 * The id is the upstream `name` (its `id` is null); the type is `type` or `repoType`.
 */
export function mapRepository(body: unknown, zone: string): RepositoryModel | UpstreamBadResponseError {
  const parsed = RepositoryRow.safeParse(body);
  if (!parsed.success) return unreadable('repository', parsed.error);
  const r = parsed.data;
  const segment = formatSegmentOfRepositoryId(r.name);
  // The view call leaves `status` null for Maven and gives the release/snapshot status instead.
  const mavenStatus = segment === 'maven' ? (/_maven_2_/.test(r.name) ? r.snapshotStatus : r.releaseStatus) : null;
  return {
    id: r.name,
    name: r.repositoryName ?? null,
    displayName: r.displayName ?? null,
    description: r.description ?? null,
    format: knownFormatOf(r.format) ?? knownFormatOf(segment) ?? formatOf(r.format ?? segment),
    type: r.type ?? r.repoType ?? null,
    policy: r.policy ?? null,
    status: r.status ?? mavenStatus ?? null,
    projectId: r.projectId ?? null,
    tabId: r.tabId ?? null,
    url: r.url ?? null,
    includesPattern: r.includesPattern ?? null,
    deploymentPolicy: r.deploymentPolicy ?? null,
    shareRight: r.shareRight ?? null,
    region: r.region ?? regionOfRepositoryId(r.name),
    packageType: r.packageType ?? null,
    createdAt: iso(r.createdTime, zone),
    updatedAt: iso(r.modifiedTime, zone),
    createdBy: r.createdUserName ?? null,
    createdUserId: r.createdUserId ?? null,
    modifiedBy: r.modifiedUserName ?? null,
    modifiedUserId: r.modifiedUserId ?? null,
    disabled: r.disable ?? null,
    releaseRepositoryName: r.release ?? null,
    snapshotRepositoryName: r.snapshot ?? null,
    releaseStatus: r.releaseStatus ?? null,
    snapshotStatus: r.snapshotStatus ?? null,
    allowAnonymous: r.allowAnonymous ?? null,
    autoCleanSnapshot: r.autoCleanSnapshot ?? null,
    snapshotAliveDays: r.snapshotAliveDays ?? null,
    maxUniqueSnapshots: r.maxUniqueSnapshots ?? null,
    prefetchedStorage: r.storageSummaryInfo ? storageOf(r.storageSummaryInfo) : null,
  };
}

/** Storage figures of the statistics call's answer; null when it carries none. */
export function mapRepositoryStorage(body: unknown): RepositoryStorage | null | UpstreamBadResponseError {
  const parsed = z.object({ storageSummaryInfo: StorageSummary.nullish() }).safeParse(body);
  if (!parsed.success) return unreadable('repository statistics', parsed.error);
  return parsed.data.storageSummaryInfo ? storageOf(parsed.data.storageSummaryInfo) : null;
}

/** `{total, repositories}` of the paged repository list. */
export function readRepositoryPage(result: unknown): { total: number; items: unknown[] } | UpstreamBadResponseError {
  const parsed = z.object({ total: count, repositories: z.array(z.unknown()).nullish() }).safeParse(result);
  if (!parsed.success) return unreadable('repository page', parsed.error);
  const items = parsed.data.repositories ?? [];
  return { total: parsed.data.total ?? items.length, items };
}

// ---------- the caller's deploy account ----------

const AccountRow = z.object({
  id: text,
  userId: text,
  userName: text,
  userType: text,
  domainId: text,
  region: text,
  repoUserName: text,
  innerRepoUserName: text,
  repoNumber: softInt,
  status: softInt,
  createdTime: time,
  modifiedTime: time,
});

/**
 * The password-reset answer (seed 4.6.1): the account, by its documented fields only — zod drops
 * every other key, so a password the answer might carry goes no further than here.
 */
export function mapArtifactAccount(body: unknown, zone: string): ArtifactAccount | UpstreamBadResponseError {
  const parsed = AccountRow.safeParse(body);
  if (!parsed.success) return unreadable('account', parsed.error);
  const r = parsed.data;
  return {
    id: r.id ?? null,
    userId: r.userId ?? null,
    userName: r.userName ?? null,
    userType: r.userType ?? null,
    domainId: r.domainId ?? null,
    region: r.region ?? null,
    repositoryUserName: r.repoUserName ?? null,
    innerRepositoryUserName: r.innerRepoUserName ?? null,
    repositoryCount: r.repoNumber ?? null,
    status: r.status ?? null,
    createdAt: iso(r.createdTime, zone),
    updatedAt: iso(r.modifiedTime, zone),
  };
}

// ---------- Maven accounts ----------

const MavenRow = z.object({
  name: z.string().min(1, { message: 'a repository needs its id (`name`)' }),
  repositoryName: text,
  displayName: text,
  policy: text,
  type: text,
  repoType: text,
  projectId: text,
  url: text,
  username: text,
  userName: text,
  password: text,
});

/**
 * A row of the tenant's Maven repositories with the deploy account. The password is kept only
 * when the gateway is configured to expose it; otherwise it is dropped here, before the row
 * goes anywhere else.
 */
export function mapMavenRepository(body: unknown, exposePassword: boolean): MavenRepository | UpstreamBadResponseError {
  const parsed = MavenRow.safeParse(body);
  if (!parsed.success) return unreadable('Maven repository', parsed.error);
  const r = parsed.data;
  return {
    id: r.name,
    name: r.repositoryName ?? null,
    displayName: r.displayName ?? null,
    policy: r.policy ?? null,
    type: r.type ?? r.repoType ?? null,
    projectId: r.projectId ?? null,
    url: r.url ?? null,
    username: r.username ?? r.userName ?? null,
    password: exposePassword ? (r.password ?? null) : null,
  };
}

// ---------- search ----------

const ArtifactRow = z.object({
  name: z.string().min(1, { message: 'an artifact needs its name' }),
  relativePath: z.string().min(1, { message: 'an artifact needs its path (`relativePath`)' }),
  repo: text,
  oldRepoid: text,
  repoName: text,
  displayName: text,
  repoType: text,
  createdBy: text,
  createdUserName: text,
  created: time,
  modified: time,
});

/** A hit of the coordinated or checksum search. */
export function mapArtifact(body: unknown, zone: string): Artifact | UpstreamBadResponseError {
  const parsed = ArtifactRow.safeParse(body);
  if (!parsed.success) return unreadable('artifact', parsed.error);
  const r = parsed.data;
  const createdAt = iso(r.created, zone);
  return {
    name: r.name,
    path: r.relativePath,
    repositoryId: r.repo ?? r.oldRepoid ?? null,
    repositoryName: r.repoName ?? r.displayName ?? null,
    format: r.repoType ?? null,
    // `createdBy` is the repository account; the person is `createdUserName`.
    createdBy: r.createdUserName ?? r.createdBy ?? null,
    createdAt,
    updatedAt: iso(r.modified, zone) ?? createdAt,
  };
}

/** The hits of a search answer: a bare array (checksum) or `{artifacts}` (coordinated). */
export function readSearchHits(result: unknown): unknown[] | UpstreamBadResponseError {
  if (result === null || result === undefined) return [];
  if (Array.isArray(result)) return result as unknown[];
  const parsed = z.object({ artifacts: z.array(z.unknown()).nullish() }).safeParse(result);
  if (!parsed.success) return unreadable('search answer', parsed.error);
  return parsed.data.artifacts ?? [];
}

// ---------- files ----------

/** What a file tree resolves from: the tree's own fields and its mapped children. */
export interface FileTreeModel extends Omit<FileTree, 'children'> {
  children: MappedRows<FileTreeNode>;
}

const TreeNodeRow = z.object({
  name: z.string().min(1, { message: 'a tree node needs its name' }),
  path: z.string().min(1, { message: 'a tree node needs its path' }),
  folder: flag,
  has_child: flag,
  display_size: text,
  modified: time,
  modified_by: text,
});

export function mapFileTree(result: unknown, zone: string): FileTreeModel | UpstreamBadResponseError {
  const parsed = z.object({ uri: text, total: count, uploadAccess: flag, children: z.array(z.unknown()).nullish() }).safeParse(result);
  if (!parsed.success) return unreadable('file tree', parsed.error);
  const r = parsed.data;
  const children = mapRows(r.children ?? [], 0, (row): FileTreeNode | Error => {
    const node = TreeNodeRow.safeParse(row);
    if (!node.success) return unreadable('file tree node', node.error);
    const n = node.data;
    return {
      name: n.name,
      path: n.path,
      folder: n.folder ?? false,
      hasChildren: n.has_child ?? null,
      size: n.display_size ?? null,
      modifiedAt: iso(n.modified, zone),
      modifiedBy: n.modified_by ?? null,
    };
  });
  return { uri: r.uri ?? null, total: r.total ?? null, uploadAccess: r.uploadAccess ?? null, children };
}

const FileDetail = z.object({
  repo: text,
  path: z.string().min(1, { message: 'a file needs its path' }),
  name: z.string().min(1, { message: 'a file needs its name' }),
  created: time,
  createdBy: text,
  lastModified: time,
  lastUpdated: time,
  modifiedBy: text,
  downloadUri: text,
  mimeType: text,
  size: z.union([z.number(), z.string()]).nullish(),
  display_size: text,
  attention: text,
  checksums: z.object({ md5: text, sha1: text, sha256: text, sha512: text }).nullish(),
  downloadInfo: z.object({ downloadCount: count }).nullish(),
});

export function mapArtifactFile(result: unknown, zone: string): ArtifactFile | UpstreamBadResponseError {
  const parsed = FileDetail.safeParse(result);
  if (!parsed.success) return unreadable('file detail', parsed.error);
  const r = parsed.data;
  const size = r.size === null || r.size === undefined || r.size === '' ? null : Number(r.size);
  return {
    repositoryId: r.repo ?? null,
    path: r.path,
    name: r.name,
    size: size !== null && Number.isFinite(size) ? size : null,
    displaySize: r.display_size ?? null,
    mimeType: r.mimeType ?? null,
    createdAt: iso(r.created, zone),
    updatedAt: iso(r.lastUpdated ?? r.lastModified, zone),
    createdBy: r.createdBy ?? null,
    modifiedBy: r.modifiedBy ?? null,
    downloadUri: r.downloadUri ?? null,
    downloadCount: r.downloadInfo?.downloadCount ?? null,
    checksums: r.checksums
      ? {
          md5: r.checksums.md5 ?? null,
          sha1: r.checksums.sha1 ?? null,
          sha256: r.checksums.sha256 ?? null,
          sha512: r.checksums.sha512 ?? null,
        }
      : null,
    followed: r.attention === null || r.attention === undefined ? null : r.attention === '1' || r.attention === 'true',
  };
}

// ---------- storage ----------

export function mapStorageUsage(result: unknown): StorageUsage | UpstreamBadResponseError {
  const parsed = z.object({ totalStorage: text, totalCount: count }).safeParse(result);
  if (!parsed.success) return unreadable('storage usage', parsed.error);
  const totalStorage = parsed.data.totalStorage ?? null;
  return { totalStorage, totalBytes: parseSize(totalStorage), totalCount: parsed.data.totalCount ?? null };
}

const SnapshotRow = z.object({
  summaryDate: z.string().min(1, { message: 'a snapshot needs its date (`summaryDate`)' }),
  filesCount: count,
  usedSpaceLength: z
    .union([z.number(), z.string().regex(/^\d+$/)])
    .transform(Number)
    .nullish(),
  usedSpace: text,
});

export function mapStorageSnapshot(body: unknown): StorageSnapshot | UpstreamBadResponseError {
  const parsed = SnapshotRow.safeParse(body);
  if (!parsed.success) return unreadable('storage snapshot', parsed.error);
  const r = parsed.data;
  // An empty usedSpace is "no figure": only a reported length says zero.
  const usedSpace = r.usedSpace ? r.usedSpace : null;
  return {
    date: r.summaryDate,
    filesCount: r.filesCount ?? null,
    usedBytes: r.usedSpaceLength ?? parseSize(usedSpace),
    usedSpace,
  };
}

// ---------- audit and following ----------

const AuditRow = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  module: text,
  operation: text,
  time: time,
  info: text,
  data: text,
  operator: text,
  ipSource: text,
  userAgent: text,
  reason: text,
});

export function mapAuditLog(body: unknown, zone: string): AuditLog | UpstreamBadResponseError {
  const parsed = AuditRow.safeParse(body);
  if (!parsed.success) return unreadable('audit log', parsed.error);
  const r = parsed.data;
  return {
    id: r.id,
    module: r.module ?? null,
    operation: r.operation ?? null,
    time: iso(r.time, zone),
    info: r.info ?? null,
    data: r.data ?? null,
    operator: r.operator ?? null,
    ipSource: r.ipSource ?? null,
    userAgent: r.userAgent ?? null,
    reason: r.reason ?? null,
  };
}

/** `{auditInfoList, total}` of the audit call. */
export function readAuditPage(result: unknown): { total: number; items: unknown[] } | UpstreamBadResponseError {
  const parsed = z.object({ auditInfoList: z.array(z.unknown()).nullish(), total: count }).safeParse(result);
  if (!parsed.success) return unreadable('audit page', parsed.error);
  const items = parsed.data.auditInfoList ?? [];
  return { total: parsed.data.total ?? items.length, items };
}

const FollowedRow = z.object({
  id: z.string().min(1, { message: 'a followed artifact needs its id' }),
  artifactId: text,
  path: text,
  repositoryId: text,
  repositoryName: text,
  format: text,
  policy: text,
  modifiedTime: time,
  modifiedUserName: text,
});

export function mapFollowedArtifact(body: unknown, zone: string): FollowedArtifact | UpstreamBadResponseError {
  const parsed = FollowedRow.safeParse(body);
  if (!parsed.success) return unreadable('followed artifact', parsed.error);
  const r = parsed.data;
  return {
    id: r.id,
    artifactId: r.artifactId ?? null,
    path: r.path ?? null,
    repositoryId: r.repositoryId ?? null,
    repositoryName: r.repositoryName ?? null,
    format: r.format ?? null,
    policy: r.policy ?? null,
    modifiedAt: iso(r.modifiedTime, zone),
    modifiedBy: r.modifiedUserName ?? null,
  };
}

/** `{data, totalRecords, totalPages}` of the following list. */
export function readFollowedPage(result: unknown): { total: number; items: unknown[] } | UpstreamBadResponseError {
  const parsed = z.object({ data: z.array(z.unknown()).nullish(), totalRecords: count }).safeParse(result);
  if (!parsed.success) return unreadable('following list', parsed.error);
  const items = parsed.data.data ?? [];
  return { total: parsed.data.totalRecords ?? items.length, items };
}

// ---------- mutation answers ----------

/** `{release, snapshot}` of Maven creation and tab edits. */
export function readMavenPair(result: unknown): { release: string | null; snapshot: string | null } {
  const parsed = z.object({ release: text, snapshot: text }).safeParse(result);
  return parsed.success
    ? { release: parsed.data.release ?? null, snapshot: parsed.data.snapshot ?? null }
    : { release: null, snapshot: null };
}

/** The repository row in a non-Maven creation answer (`{artifactory: {...}}`), if any. */
export function createdRepositoryRow(result: unknown): unknown {
  const parsed = z.object({ artifactory: z.unknown() }).safeParse(result);
  return parsed.success ? parsed.data.artifactory : undefined;
}

/** A readable summary of a mutation's `result` for `MutationResult.message` (strings only). */
export function resultMessage(result: unknown): string | null {
  return typeof result === 'string' && result.length <= 200 ? result : null;
}
