import { createHash } from 'node:crypto';

/**
 * The benchmark's operation: the dashboard a front end opens first. Each part is one domain's
 * root field; parts whose domain has no resolver yet (or whose upstream is not simulated yet)
 * are left out at run time and named in the printed header.
 */
export const DASHBOARD_PARTS = {
  pipelines: 'pipelines(ids: $ids) { id latestRun { status runNumber startTime durationSeconds } }',
  repositories: 'repositories(first: 10) { totalCount nodes { id name format storage { filesCount usedBytes } } }',
  recordings: 'recordings(first: 10) { totalCount nodes { id callId duration status } }',
  jobs: 'jobs(first: 10) { totalCount nodes { id status percentCompleted } }',
} as const;

export type DashboardPart = keyof typeof DASHBOARD_PARTS;
export const ALL_PARTS = Object.keys(DASHBOARD_PARTS) as DashboardPart[];

export function dashboardQuery(parts: readonly DashboardPart[]): string {
  return `query Dashboard($ids: [ID!]!) {\n  ${parts.map((p) => DASHBOARD_PARTS[p]).join('\n  ')}\n}`;
}

/** `n` well-formed pipeline ids (32 hex), distinct per `label`; none ends in 0000 (never run). */
export function benchPipelineIds(n: number, label: string): string[] {
  return Array.from({ length: n }, (_, i) => {
    const id = createHash('md5').update(`${label}-${i}`).digest('hex');
    return id.endsWith('0000') ? id.slice(0, 28) + '1111' : id;
  });
}

export function graphqlBody(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

interface ProbeAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number> }>;
}

/**
 * Which parts answer without error on a server: sends the whole dashboard and keeps the root
 * fields that came back non-null with no error under them.
 */
export async function probeParts(
  url: string,
  parts: readonly DashboardPart[],
  ids: string[],
): Promise<{ working: DashboardPart[]; leftOut: Array<{ part: DashboardPart; why: string }> }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: graphqlBody(dashboardQuery(parts), { ids }),
  });
  const body = (await res.json()) as ProbeAnswer;
  const working: DashboardPart[] = [];
  const leftOut: Array<{ part: DashboardPart; why: string }> = [];
  for (const part of parts) {
    const error = body.errors?.find((e) => e.path?.[0] === part || !e.path);
    if (error) leftOut.push({ part, why: error.message.slice(0, 80) });
    else if (body.data?.[part] === null || body.data?.[part] === undefined) leftOut.push({ part, why: 'answered null (no resolver yet)' });
    else working.push(part);
  }
  return { working, leftOut };
}
