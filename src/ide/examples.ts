/**
 * Example operations the IDE offers, one or more per domain. Each is checked against the
 * schema by test/unit/ide-examples.test.ts, so an example can never drift from schema/.
 * They need no argument the simulators don't know: with no upstream configured every one of
 * them answers from the built-in simulators.
 */
export interface IdeExample {
  /** Domain (schema file) the example belongs to. */
  domain: 'gateway' | 'pipeline' | 'deployment' | 'artifact' | 'recording' | 'job';
  title: string;
  query: string;
  /** Variables as JSON text (shown in the variables editor). */
  variables?: string;
}

export const IDE_EXAMPLES: readonly IdeExample[] = [
  {
    domain: 'gateway',
    title: 'Gateway info',
    query: `# Which gateway answers, and whether it serves from simulated upstreams.
query GatewayInfo {
  gatewayInfo {
    version
    simulated
  }
}
`,
  },
  {
    domain: 'pipeline',
    title: 'Pipeline: latest runs',
    query: `# Latest runs of CodeArts pipelines, batched into one status call per project.
query PipelineStatuses($ids: [ID!]!) {
  pipelines(ids: $ids) {
    id
    projectId
    latestRun {
      status
      runNumber
      startTime
      endTime
      durationSeconds
      executorName
      stages {
        name
        status
      }
      buildParams {
        sourceBranch
        commitId
      }
    }
  }
}
`,
    variables: `{
  "ids": ["d19799d619424b2bb2625ec2d93ea087"]
}
`,
  },
  {
    domain: 'deployment',
    title: 'Deployments: software deployments',
    query: `# RTS software deployments of the default project.
query SoftwareDeployments {
  softwareDeployments {
    id
    serverId
    action
    status
    statusReason
    createdAt
    updatedAt
  }
}
`,
  },
  {
    domain: 'artifact',
    title: 'Artifact: repositories',
    query: `# CodeArts Artifact repositories, a page at a time, with their storage.
query Repositories($first: Int) {
  repositories(first: $first) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      id
      name
      format
      type
      createdAt
      storage {
        filesCount
        usedSpace
      }
    }
  }
}
`,
    variables: `{
  "first": 5
}
`,
  },
  {
    domain: 'recording',
    title: 'Recordings: call recordings',
    query: `# Bandwidth call recordings of the default account.
query Recordings($first: Int) {
  recordings(first: $first) {
    totalCount
    nodes {
      id
      callId
      from
      to
      direction
      duration
      startTime
      status
      mediaUrl
    }
  }
}
`,
    variables: `{
  "first": 5
}
`,
  },
  {
    domain: 'job',
    title: 'Jobs: recent jobs',
    query: `# Comestri jobs, newest first, with their progress.
query Jobs($first: Int) {
  jobs(first: $first) {
    totalCount
    nodes {
      id
      entity
      operation
      status
      result
      percentCompleted
      createdAt
    }
  }
}
`,
    variables: `{
  "first": 5
}
`,
  },
  {
    domain: 'pipeline',
    title: 'Live: pipeline runs (subscription)',
    query: `# Live updates over WebSocket: each pipeline once, then again whenever its status or run
# number changes (the gateway watches the upstream once for every subscriber).
subscription LivePipelineRuns($ids: [ID!]!) {
  pipelineRuns(ids: $ids) {
    id
    latestRun {
      status
      runNumber
    }
  }
}
`,
    variables: `{
  "ids": ["d19799d619424b2bb2625ec2d93ea087"]
}
`,
  },
];
