import type {
  ArtifactAnswer,
  ArtifactClient,
  DockerRepositoryBody,
  MavenRepositoryBody,
  MavenRepositoryEditBody,
  RepositoryBody,
  RepositoryEditBody,
  TrashItem,
} from './client';
import type { ArtifactCacheGroup, ArtifactLoaders } from './loaders';
import { createdRepositoryRow, mapArtifactAccount, mapRepository, readMavenPair, resultMessage, type RepositoryModel } from './mapping';
import type { ArtifactAccount } from '../../generated/graphql';

/** A creation, routed to the endpoint of its format. */
export type CreateRepositoryRequest =
  { kind: 'maven'; body: MavenRepositoryBody } | { kind: 'docker'; body: DockerRepositoryBody } | { kind: 'other'; body: RepositoryBody };

export type UpdateRepositoryRequest =
  { kind: 'maven'; tabId: string; body: MavenRepositoryEditBody } | { kind: 'other'; body: RepositoryEditBody };

/** Where the repository a mutation touched can be read afterwards. */
export type RepositoryRef =
  | { kind: 'answered'; repository: RepositoryModel }
  | { kind: 'id'; id: string }
  /** Docker creation answers no id: the repository is found by format and name. */
  | { kind: 'named'; format: string; name: string }
  | { kind: 'none' };

export interface RepositoryChange {
  traceId: string | null;
  releaseRepositoryId: string | null;
  snapshotRepositoryId: string | null;
  repository: RepositoryRef;
}

export interface Acknowledgement {
  traceId: string | null;
  message: string | null;
}

/** A Maven create or edit answers the release/snapshot pair; the repository is read back by its id. */
function mavenChange(answer: ArtifactAnswer): RepositoryChange {
  const pair = readMavenPair(answer.result);
  const id = pair.release ?? pair.snapshot;
  return {
    traceId: answer.traceId,
    releaseRepositoryId: pair.release,
    snapshotRepositoryId: pair.snapshot,
    repository: id ? { kind: 'id', id } : { kind: 'none' },
  };
}

const REPOSITORY_CHANGE: readonly ArtifactCacheGroup[] = [
  'artifact-repository',
  'artifact-repository-list',
  'artifact-storage',
  'artifact-files',
];

/**
 * CodeArts Artifact mutations for one request. Each one, whatever its outcome (a failed or
 * timed-out write may still have happened upstream), invalidates the cached reads it can make
 * stale before the answer is built.
 */
export function createArtifactCommands(client: ArtifactClient, loaders: ArtifactLoaders, zone: string) {
  const { credentials: c } = loaders;
  // Asked for only when a mutation runs: a query never makes one (src/runtime/cancellation.ts).
  const signal = () => loaders.cancel?.signal;

  async function run(call: () => Promise<ArtifactAnswer>, stale: readonly ArtifactCacheGroup[]): Promise<ArtifactAnswer> {
    try {
      return await call();
    } finally {
      await loaders.invalidate(stale);
    }
  }

  const ack = (answer: ArtifactAnswer): Acknowledgement => ({ traceId: answer.traceId, message: resultMessage(answer.result) });

  return {
    async createRepository(req: CreateRepositoryRequest): Promise<RepositoryChange> {
      switch (req.kind) {
        case 'maven': {
          return mavenChange(await run(() => client.createMavenRepository(req.body, c, signal()), REPOSITORY_CHANGE));
        }
        case 'docker': {
          const answer = await run(() => client.createDockerRepository(req.body, c, signal()), REPOSITORY_CHANGE);
          return {
            traceId: answer.traceId,
            releaseRepositoryId: null,
            snapshotRepositoryId: null,
            repository: { kind: 'named', format: 'docker', name: req.body.display_name },
          };
        }
        case 'other': {
          const answer = await run(() => client.createRepository(req.body, c, signal()), REPOSITORY_CHANGE);
          const row = createdRepositoryRow(answer.result);
          const mapped = row === undefined || row === null ? null : mapRepository(row, zone);
          return {
            traceId: answer.traceId,
            releaseRepositoryId: null,
            snapshotRepositoryId: null,
            repository:
              mapped && !(mapped instanceof Error)
                ? { kind: 'answered', repository: mapped }
                : { kind: 'named', format: req.body.format, name: req.body.repository_name },
          };
        }
      }
    },

    async updateRepository(req: UpdateRepositoryRequest): Promise<RepositoryChange> {
      if (req.kind === 'maven') {
        return mavenChange(
          await run(
            () => client.updateMavenRepository(req.tabId, req.body, c, signal()),
            ['artifact-repository', 'artifact-repository-list'],
          ),
        );
      }
      const answer = await run(() => client.updateRepositories(req.body, c, signal()), ['artifact-repository', 'artifact-repository-list']);
      const first = req.body.repository_ids[0];
      return {
        traceId: answer.traceId,
        releaseRepositoryId: null,
        snapshotRepositoryId: null,
        repository: first ? { kind: 'id', id: first } : { kind: 'none' },
      };
    },

    async moveToRecycleBin(format: string, ids: readonly string[]): Promise<Acknowledgement> {
      return ack(await run(() => client.moveToRecycleBin(format, ids, c, signal()), [...REPOSITORY_CHANGE, 'artifact-follow']));
    },

    async restoreFromRecycleBin(items: readonly TrashItem[]): Promise<Acknowledgement> {
      return ack(await run(() => client.restoreFromRecycleBin(items, c, signal()), [...REPOSITORY_CHANGE, 'artifact-follow']));
    },

    async deleteFromRecycleBin(items: readonly TrashItem[]): Promise<Acknowledgement> {
      return ack(await run(() => client.deleteFromRecycleBin(items, c, signal()), [...REPOSITORY_CHANGE, 'artifact-follow']));
    },

    async setFollowing(follow: boolean, ids: readonly string[], format: string | undefined): Promise<Acknowledgement> {
      // File details carry the caller's follow flag, so they are stale too.
      return ack(await run(() => client.setAttention(follow ? '1' : '0', ids, format, c, signal()), ['artifact-follow', 'artifact-files']));
    },

    async deleteFile(filePath: string): Promise<Acknowledgement> {
      return ack(await run(() => client.deleteFile(filePath, c, signal()), ['artifact-files', 'artifact-storage', 'artifact-follow']));
    },

    async associateProject(projectId: string, tabIds: readonly string[]): Promise<Acknowledgement> {
      return ack(
        await run(() => client.associateProject(projectId, tabIds, c, signal()), ['artifact-repository', 'artifact-repository-list']),
      );
    },

    /** Nothing of the answer is kept or passed on: it may carry the new password. */
    async resetPassword(): Promise<Acknowledgement> {
      const answer = await run(() => client.resetPassword(c, signal()), []);
      return { traceId: answer.traceId, message: 'The Artifact deploy password was reset.' };
    },

    /**
     * The same reset, answering the account the upstream returns (seed 4.6.1). The mapping keeps
     * only the account's documented fields: a password in the answer never leaves it.
     */
    async resetPasswordWithAccount(): Promise<{ traceId: string | null; account: ArtifactAccount | null }> {
      const answer = await run(() => client.resetPassword(c, signal()), []);
      const account = answer.result === null ? null : mapArtifactAccount(answer.result, zone);
      if (account instanceof Error) throw account;
      return { traceId: answer.traceId, account };
    },
  };
}

export type ArtifactCommands = ReturnType<typeof createArtifactCommands>;
