import { SIMULATED } from './defaults';

/**
 * The CodeArts Artifact seed's examples as simulator state: every repository, file, audit entry,
 * follow and capacity figure the seed shows, under the seed's own ids and times. Times are the
 * seed's zone-less wall clock (UTC+8).
 */

export const ARTIFACT_REGION = 'cn-north-7';
/** The seed's tenant (it is also SIMULATED.domainId). */
export const ARTIFACT_DOMAIN = SIMULATED.domainId;
/** Projects of the seed's examples. */
export const SEED_PROJECT = 'e2ee90487d6349dd944a5767225f6f55';
export const SEED_PROJECT_2 = '035a1e9da3074adfb57acd1da494d736';
export const SEED_USER = 'devcloud_devcloud_y00226182_01';
export const SEED_USER_ID = 'e9253deb37654775bb3c411aca89153a';
/** The deploy password the seed's Maven account example shows (not a real secret). */
export const SEED_MAVEN_PASSWORD = '6qY_h]3H9=';

export const repoId = (tail: string): string => `${ARTIFACT_REGION}_${ARTIFACT_DOMAIN}_${tail}`;
export const tabIdOf = (n: number): string => `${ARTIFACT_DOMAIN}_tab_maven2_${n}`;

export interface SeedFile {
  path: string;
  size: number;
  created: string;
  modified?: string;
  createdBy?: string;
  checksums?: { md5?: string; sha1?: string; sha256?: string; sha512?: string };
}

export interface SeedRepository {
  name: string;
  repositoryName: string;
  displayName?: string | null;
  description?: string;
  format: string;
  type?: string;
  policy?: string | null;
  tabId?: string | null;
  projectId?: string | null;
  associatedProjects?: string[];
  includesPattern?: string;
  deploymentPolicy?: string | null;
  shareRight?: string | null;
  release?: string | null;
  snapshot?: string | null;
  inRecycleBin?: boolean;
  created: string;
  modified?: string;
  files?: SeedFile[];
  trash?: SeedFile[];
}

export const SEED_REPOSITORIES: SeedRepository[] = [
  {
    // 4.3.1 Querying repositories associated with projects
    name: repoId('maven_1_11'),
    repositoryName: 'maven-test-20220120',
    displayName: 'maven-test-20220120',
    format: 'maven2',
    policy: 'release',
    tabId: tabIdOf(11),
    associatedProjects: [SEED_PROJECT],
    created: '2022-01-20 18:23:17',
    modified: '2023-11-28 11:25:22',
  },
  {
    // 4.2.1/4.2.2/4.2.3 Maven creation, edit and view (release and snapshot of one tab)
    name: repoId('maven_1_201'),
    repositoryName: 'testmaven',
    description: '12',
    format: 'maven2',
    policy: 'release',
    tabId: tabIdOf(201),
    projectId: SEED_PROJECT,
    release: 'testmaven',
    snapshot: 'testmaven',
    deploymentPolicy: 'allowRedeploy',
    shareRight: 'PROJECT',
    created: '2023-11-28 20:38:55',
  },
  {
    name: repoId('maven_2_201'),
    repositoryName: 'testmaven',
    description: '12',
    format: 'maven2',
    policy: 'snapshot',
    tabId: tabIdOf(201),
    projectId: SEED_PROJECT,
    release: 'testmaven',
    snapshot: 'testmaven',
    deploymentPolicy: 'allowRedeploy',
    shareRight: 'PROJECT',
    created: '2023-11-28 20:38:55',
  },
  {
    // 4.2.6 Maven repository list and account password
    name: repoId('maven_5_120'),
    repositoryName: 'adasasfsafdasdfasd',
    displayName: 'adasasfsafdasdfasd',
    format: 'maven2',
    type: 'virtual',
    policy: 'release',
    tabId: tabIdOf(120),
    projectId: SEED_PROJECT,
    shareRight: 'PROJECT',
    created: '2023-11-24 17:13:52',
    modified: '2023-11-24 17:13:52',
  },
  {
    // 4.1.1 restore example (snapshot in the bin) and 4.3.2 association example (tab 23)
    name: repoId('maven_1_23'),
    repositoryName: 'maven-23',
    format: 'maven2',
    policy: 'release',
    tabId: tabIdOf(23),
    created: '2023-06-12 10:02:44',
  },
  {
    name: repoId('maven_2_23'),
    repositoryName: 'maven-23',
    format: 'maven2',
    policy: 'snapshot',
    tabId: tabIdOf(23),
    inRecycleBin: true,
    created: '2023-06-12 10:02:44',
  },
  {
    // 4.7.3 capacity trend, 4.8.1 audit log, 4.9.2 following, 4.10.1 file tree
    name: repoId('maven_1_108'),
    repositoryName: 'maven1',
    format: 'maven2',
    policy: 'release',
    tabId: tabIdOf(108),
    created: '2023-10-27 15:40:02',
    files: [
      { path: '1/1/1-1-1.jar', size: 1033366, created: '2023-10-27 15:46:19', modified: '2023-11-29 09:54:22' },
      { path: '1/1/1-1-1.pom', size: 1024, created: '2023-10-27 15:46:19' },
    ],
    trash: [{ path: '1/1/1-1-2.jar', size: 1033366, created: '2023-11-27 10:12:01', modified: '2023-11-29 09:56:51' }],
  },
  {
    // 4.7.1 repository list
    name: repoId('conan_5'),
    repositoryName: '5465653',
    description: '1.0',
    format: 'conan',
    created: '2022-08-22 17:14:55',
    modified: '2023-10-16 20:05:59',
  },
  {
    name: repoId('conan_6'),
    repositoryName: '12321',
    format: 'conan',
    created: '2022-08-22 17:21:15',
    modified: '2023-10-16 20:05:59',
  },
  {
    // 4.7.2 repository details with statistics
    name: repoId('conan_8'),
    repositoryName: 'conan7',
    format: 'conan',
    projectId: SEED_PROJECT_2,
    shareRight: 'PROJECT',
    created: '2023-10-27 15:48:54',
    modified: '2023-11-02 20:08:14',
  },
  {
    // 4.5.1/4.5.2 searches
    name: repoId('pypi_40'),
    repositoryName: 'testpypi',
    format: 'pypi',
    // The seed's searches find mod.txt with in_project=true&project_id=e2ee…: the repository is that project's.
    projectId: SEED_PROJECT,
    created: '2023-11-20 11:30:00',
    files: [
      {
        path: '1/1/mod.txt',
        size: 24,
        created: '2023-11-29 09:19:13.711',
        checksums: { md5: 'eb05a9df1e3403a5f54e03de073a6ce6' },
      },
    ],
  },
  {
    // 4.2.7/4.2.8 non-Maven creation and edit
    name: repoId('pypi_41'),
    repositoryName: 'test-pypi',
    format: 'pypi',
    projectId: SEED_PROJECT,
    shareRight: 'PROJECT',
    created: '2023-11-28 20:47:35',
  },
  {
    // 4.10.2 file details, 4.10.3 file deletion
    name: repoId('go_19'),
    repositoryName: 'go3',
    displayName: 'go3',
    format: 'go',
    created: '2023-11-14 19:20:03',
    files: [
      {
        path: 'up/up/9Hn1036zgQql4G805Ufb43H4s1t984',
        size: 1056,
        created: '2023-11-14 19:29:46',
        checksums: {
          sha512:
            '86b14ee38fbe9b33184b018dd7740c75acb994292a2f71db7af9952ecb7676fe759fc3207ab4d5b7f76252c0e3a6683c00e7c0af3cb73282ee05a5441e72c',
          sha256: '806f31bccdf84d133de1b307834e7f4f07810b4f5204bd449ce088c051513a4',
          sha1: '20691eee689efdf42e926b52b6f84c51439ab054',
          md5: 'af5b0888060bcdabc8a5440251556461',
        },
      },
      { path: 'down/down/GOR7zo553IL44I063cdVKui7n58078', size: 2048, created: '2023-11-14 19:31:02' },
    ],
  },
  {
    // 4.1.1 restore example
    name: repoId('go_4'),
    repositoryName: 'go4',
    format: 'go',
    inRecycleBin: true,
    created: '2023-03-02 09:12:40',
  },
  {
    // 4.1.2 deletion example
    name: repoId('debian_43'),
    repositoryName: 'debian43',
    format: 'debian',
    inRecycleBin: true,
    created: '2023-09-18 14:05:11',
  },
];

/** 4.8.1: the one audit entry of the seed. */
export const SEED_AUDIT = {
  id: '2271182',
  module: 'file',
  operation: 'upload',
  time: '2023/10/27 15:46:19',
  info: repoId('maven_1_108'),
  data: '1/1/1-1-1.jar',
  userAgent: 'Apache-HttpClient/4.5.13 (Java/1.8.0_232)',
  operator: SEED_USER,
  ipSource: '10.172.180.79',
};

/** 4.9.2: the one followed artifact of the seed (every simulated user starts with it). */
export const SEED_FOLLOW = {
  id: '43e78ea4903d468db517e069ab91ce1c',
  repositoryId: repoId('maven_1_108'),
  path: `${repoId('maven_1_108')}/1/1/1-1-1.jar`,
  modifiedTime: '2023-11-29 09:54:22',
};

/** 4.7.3: the capacity trend of maven_1_108, by day. */
export const SEED_TREND: Record<string, Array<{ date: string; filesCount: number; usedSpaceLength: number; usedSpace: string }>> = {
  [repoId('maven_1_108')]: [
    { date: '2023-11-22', filesCount: 2, usedSpaceLength: 1034390, usedSpace: '1,010.15 KB' },
    { date: '2023-11-23', filesCount: 2, usedSpaceLength: 1034390, usedSpace: '1,010.15 KB' },
    { date: '2023-11-24', filesCount: 2, usedSpaceLength: 1034390, usedSpace: '1,010.15 KB' },
    { date: '2023-11-25', filesCount: 2, usedSpaceLength: 1034390, usedSpace: '1,010.15 KB' },
    { date: '2023-11-26', filesCount: 2, usedSpaceLength: 1034390, usedSpace: '1,010.15 KB' },
    { date: '2023-11-27', filesCount: 4, usedSpaceLength: 2068780, usedSpace: '1.97 MB' },
    { date: '2023-11-28', filesCount: 0, usedSpaceLength: 0, usedSpace: '' },
  ],
};
