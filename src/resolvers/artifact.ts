import type { GraphQLResolveInfo } from 'graphql';
import type { ArtifactFormat, MutationResult, Resolvers } from '../generated/graphql';
import type { GatewayContext } from '../context';
import { requireApi } from '../context';
import { badUserInput } from '../errors';
import { createArtifactCommands, type ArtifactCommands, type RepositoryChange, type RepositoryRef } from '../upstreams/artifact/commands';
import type { SearchPageKey } from '../upstreams/artifact/loaders';
import { upstreamFormat, type RepositoryModel } from '../upstreams/artifact/mapping';
import { countedConnection, positionedConnection } from '../paging/connection';
import { reportLeftOut } from '../paging/left-out';
import { readPagedWindow } from '../paging/rows';
import { pageWindow, type PageWindow } from '../paging/window';
import * as input from './artifact-inputs';

/** What a `RepositoryMutationResult` resolves from: the answer, and where to read the repository. */
export interface RepositoryMutationParent {
  ok: boolean;
  traceId: string | null;
  releaseRepositoryId: string | null;
  snapshotRepositoryId: string | null;
  ref: RepositoryRef;
}

const PAGING = { defaultFirst: 20, maxFirst: 100 };
/** Largest page the gateway asks the upstream for. */
const MAX_UPSTREAM_PAGE = 100;

/** searchArtifacts and artifactsByChecksum: the same coordinated search, by name or by checksum. */
async function searchConnection(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  window: PageWindow,
  search: { by: SearchPageKey['by']; term: string; format: ArtifactFormat | null | undefined; projectId: string | null | undefined },
) {
  const base = {
    by: search.by,
    term: search.term,
    format: search.format ? upstreamFormat(search.format) : undefined,
    projectId: input.optionalProject(search.projectId),
  };
  const loaders = ctx.loaders.artifact;
  const read = await readPagedWindow(window, MAX_UPSTREAM_PAGE, (pageNo, pageSize) =>
    loaders.searchPage.load({ pageNo, pageSize, ...base }),
  );
  if (!read) return null;
  reportLeftOut(ctx, info, read.leftOut, 'search hit', 'artifact');
  return positionedConnection(read, window);
}

function commandsOf(ctx: GatewayContext): ArtifactCommands {
  return createArtifactCommands(requireApi(ctx.services, 'artifact'), ctx.loaders.artifact, ctx.services.config.upstreamTimezone);
}

function done(answer: { traceId: string | null; message: string | null }): MutationResult {
  return { ok: true, traceId: answer.traceId, message: answer.message };
}

function changed(change: RepositoryChange): RepositoryMutationParent {
  return {
    ok: true,
    traceId: change.traceId,
    releaseRepositoryId: change.releaseRepositoryId,
    snapshotRepositoryId: change.snapshotRepositoryId,
    ref: change.repository,
  };
}

function formatsOf(filter: { format?: ArtifactFormat | null; formats?: ArtifactFormat[] | null } | null | undefined): {
  format?: string;
  formatList?: string[];
} {
  if (filter?.format && filter.formats?.length) {
    throw badUserInput('filter: give format or formats, not both', { argument: 'filter.formats' });
  }
  return {
    format: filter?.format ? upstreamFormat(filter.format) : undefined,
    formatList: filter?.formats?.length ? [...new Set(filter.formats.map(upstreamFormat))] : undefined,
  };
}

export const artifactResolvers: Resolvers = {
  Query: {
    async repository(_root, { id }, ctx) {
      return ctx.loaders.artifact.repository.load(input.repositoryId(id, 'id'));
    },

    async repositories(_root, { projectId, filter, first, after, sort }, ctx, info) {
      const window = pageWindow(first, after, PAGING);
      const project = input.projectOf(ctx, projectId);
      const formats = formatsOf(filter);
      const base = {
        projectId: project,
        inProject: projectId !== null && projectId !== undefined,
        format: formats.format,
        formatList: formats.formatList,
        type: filter?.type ? input.text(filter.type, 'filter.type', 32) : undefined,
        qname: filter?.search ? input.text(filter.search, 'filter.search', 100) : undefined,
        inRecycleBin: filter?.inRecycleBin ?? undefined,
        groupId: filter?.groupId ? input.text(filter.groupId, 'filter.groupId', 64) : undefined,
        sort: sort ? input.text(sort, 'sort', 64) : undefined,
      };
      const loaders = ctx.loaders.artifact;
      const read = await readPagedWindow(window, MAX_UPSTREAM_PAGE, (pageNo, pageSize) =>
        loaders.repositoryPage.load({ pageNo, pageSize, ...base }),
      );
      if (!read) return null;
      reportLeftOut(ctx, info, read.leftOut, 'repository', 'artifact');
      return countedConnection(read, window);
    },

    async projectRepositories(_root, { projectId }, ctx, info) {
      const mapped = await ctx.loaders.artifact.projectRepositories.load(input.projectOf(ctx, projectId));
      reportLeftOut(ctx, info, mapped.leftOut, 'repository', 'artifact');
      return mapped.rows.map((r) => r.node);
    },

    async searchArtifacts(_root, { name, format, projectId, first, after }, ctx, info) {
      const window = pageWindow(first, after, PAGING);
      return searchConnection(ctx, info, window, { by: 'name', term: input.text(name, 'name', 200), format, projectId });
    },

    async artifactsByChecksum(_root, { checksum, format, projectId, first, after }, ctx, info) {
      const window = pageWindow(first, after, PAGING);
      return searchConnection(ctx, info, window, { by: 'checksum', term: input.checksum(checksum), format, projectId });
    },

    async repositoryTree(_root, { repositoryName, path, projectId, inRecycleBin, instanceId }, ctx) {
      return ctx.loaders.artifact.fileTree.load({
        projectId: input.projectOf(ctx, projectId),
        repositoryId: input.repositoryId(repositoryName, 'repositoryName'),
        path: input.repositoryPath(path, 'path'),
        inRecycleBin: inRecycleBin ?? undefined,
        instanceId: input.instanceId(instanceId),
      });
    },

    async artifactFile(_root, { repositoryName, path, format, projectId, instanceId }, ctx) {
      return ctx.loaders.artifact.fileDetail.load({
        projectId: input.projectOf(ctx, projectId),
        repositoryId: input.repositoryId(repositoryName, 'repositoryName'),
        path: input.repositoryPath(path, 'path'),
        format: upstreamFormat(format),
        instanceId: input.instanceId(instanceId),
      });
    },

    async storageUsage(_root, { formats, inProject }, ctx) {
      return ctx.loaders.artifact.storageUsage.load({
        formatList: formats?.length ? [...new Set(formats.map(upstreamFormat))] : undefined,
        inProject: inProject ?? undefined,
      });
    },

    async storageTrend(_root, { repositoryId, from, to, projectId, instanceId }, ctx, info) {
      const key = {
        projectId: input.projectOf(ctx, projectId),
        repo: repositoryId ? input.repositoryId(repositoryId, 'repositoryId') : undefined,
        ...input.dateRange(from, to),
        instanceId: input.instanceId(instanceId),
      };
      const mapped = await ctx.loaders.artifact.storageTrend.load(key);
      if (!mapped) return null;
      reportLeftOut(ctx, info, mapped.leftOut, 'storage snapshot', 'artifact');
      return mapped.rows.map((r) => r.node);
    },

    async auditLogs(_root, { repositoryId, module, projectId, first, after, userId, instanceId }, ctx, info) {
      const window = pageWindow(first, after, PAGING);
      const base = {
        projectId: input.projectOf(ctx, projectId),
        module: input.auditModule(module),
        repositoryId: input.repositoryId(repositoryId, 'repositoryId'),
        userId: userId ? input.text(userId, 'userId', 64) : undefined,
        instanceId: input.instanceId(instanceId),
      };
      const loaders = ctx.loaders.artifact;
      const read = await readPagedWindow(window, MAX_UPSTREAM_PAGE, (pageNo, pageSize) =>
        loaders.auditPage.load({ pageNo, pageSize, ...base }),
      );
      if (!read) return null;
      reportLeftOut(ctx, info, read.leftOut, 'audit log entry', 'artifact');
      return countedConnection(read, window);
    },

    async followedArtifacts(_root, { projectId, first, after }, ctx, info) {
      const window = pageWindow(first, after, PAGING);
      const project = input.optionalProject(projectId);
      const loaders = ctx.loaders.artifact;
      const read = await readPagedWindow(window, MAX_UPSTREAM_PAGE, (pageNo, pageSize) =>
        loaders.followedPage.load({ projectId: project, pageNo, pageSize }),
      );
      if (!read) return null;
      reportLeftOut(ctx, info, read.leftOut, 'followed artifact', 'artifact');
      return countedConnection(read, window);
    },

    async mavenRepositories(_root, { projectId, policy, access, includeDefault, ids }, ctx, info) {
      const mapped = await ctx.loaders.artifact.mavenRepositories.load({
        projectId: input.optionalProject(projectId),
        policy: input.mavenPolicy(policy),
        access: input.mavenAccess(access),
        includeDefault: includeDefault ?? undefined,
        ids: ids?.length ? input.idList(ids, 'ids', (id) => input.repositoryId(id, 'ids')) : undefined,
      });
      reportLeftOut(ctx, info, mapped.leftOut, 'Maven repository', 'artifact');
      return mapped.rows.map((r) => r.node);
    },
  },

  Mutation: {
    async createRepository(_root, args, ctx) {
      const request = input.createRequest(args.input);
      return changed(await commandsOf(ctx).createRepository(request));
    },
    async updateRepository(_root, args, ctx) {
      const request = input.updateRequest(args.input);
      return changed(await commandsOf(ctx).updateRepository(request));
    },
    async moveRepositoriesToRecycleBin(_root, { format, ids }, ctx) {
      const checked = input.repositoryIdsOf(format, ids);
      return done(await commandsOf(ctx).moveToRecycleBin(upstreamFormat(format), checked));
    },
    async restoreFromRecycleBin(_root, { items }, ctx) {
      const checked = input.trashItems(items, 'restore');
      return done(await commandsOf(ctx).restoreFromRecycleBin(checked));
    },
    async deleteFromRecycleBin(_root, { items }, ctx) {
      const checked = input.trashItems(items, 'delete');
      return done(await commandsOf(ctx).deleteFromRecycleBin(checked));
    },
    async followArtifacts(_root, { ids, format }, ctx) {
      const checked = input.idList(ids, 'ids', (id) => input.artifactPath(id, 'ids').path);
      return done(await commandsOf(ctx).setFollowing(true, checked, format ? upstreamFormat(format) : undefined));
    },
    async unfollowArtifacts(_root, { ids, format }, ctx) {
      const checked = input.idList(ids, 'ids', (id) => input.artifactPath(id, 'ids').path);
      return done(await commandsOf(ctx).setFollowing(false, checked, format ? upstreamFormat(format) : undefined));
    },
    async deleteArtifactFile(_root, { path }, ctx) {
      const file = input.artifactPath(path, 'path');
      input.refuseMavenFile(file.repositoryId);
      return done(await commandsOf(ctx).deleteFile(file.path));
    },
    async associateProjectRepositories(_root, { projectId, tabIds }, ctx) {
      const project = input.projectOf(ctx, projectId);
      const checked = input.tabIds(tabIds);
      return done(await commandsOf(ctx).associateProject(project, checked));
    },
    async resetArtifactPassword(_root, _args, ctx) {
      return done(await commandsOf(ctx).resetPassword());
    },
    async resetArtifactDeployPassword(_root, _args, ctx) {
      const reset = await commandsOf(ctx).resetPasswordWithAccount();
      return { ok: true, traceId: reset.traceId, account: reset.account };
    },
  },

  Repository: {
    async storage(parent, _args, ctx) {
      if (parent.prefetchedStorage) return parent.prefetchedStorage;
      return ctx.loaders.artifact.storage.load({ repositoryId: parent.id, projectId: input.projectOf(ctx, parent.projectId) });
    },
  },

  RepositoryMutationResult: {
    async repository(parent, _args, ctx): Promise<RepositoryModel | null> {
      const ref = parent.ref;
      switch (ref.kind) {
        case 'answered':
          return ref.repository;
        case 'id':
          return ctx.loaders.artifact.repository.load(ref.id);
        case 'named': {
          // Docker creation answers no id: find the newest repository of that format and name.
          const page = await ctx.loaders.artifact.repositoryPage.load({
            projectId: input.projectOf(ctx, null),
            inProject: false,
            pageNo: 1,
            pageSize: MAX_UPSTREAM_PAGE,
            format: ref.format,
            qname: ref.name,
          });
          const matches = page.rows.map((r) => r.node).filter((r) => r.name === ref.name || r.displayName === ref.name);
          return matches[matches.length - 1] ?? null;
        }
        case 'none':
          return null;
      }
    },
  },

  FileTree: {
    children(parent, _args, ctx, info) {
      reportLeftOut(ctx, info, parent.children.leftOut, 'file tree node', 'artifact');
      return parent.children.rows.map((r) => r.node);
    },
  },
};
