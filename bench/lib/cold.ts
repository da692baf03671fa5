import type { Pool } from 'undici';
import type { TracedCall } from './ipc';

/**
 * The cold family: what a user waits for the first time data is asked for. A cold query cannot
 * answer before its critical path — the longest chain of upstream calls it needs, each waiting
 * for the one before — so the gateway's cost is what it adds above `rounds × latency`.
 */
export interface ColdShape {
  name: string;
  /** Sequential upstream rounds the data needs (the floor the gateway should hit). */
  roundsNeeded: number;
  query: string;
}

const LATEST_RUN = 'latestRun { status runNumber startTime durationSeconds }';

export const COLD_SHAPES: readonly ColdShape[] = [
  {
    name: 'pipelines(20 fresh ids)',
    roundsNeeded: 1,
    query: `query ColdPipelines($ids: [ID!]!) { pipelines(ids: $ids) { id ${LATEST_RUN} } }`,
  },
  {
    name: 'pipelines + jobs + deployments',
    roundsNeeded: 1,
    query:
      `query ColdOneRound($ids: [ID!]!) { pipelines(ids: $ids) { id ${LATEST_RUN} } ` +
      'jobs(first: 10) { totalCount nodes { id status percentCompleted } } softwareDeployments { id status action } }',
  },
  {
    // The README's dashboard: a repository's storage needs the repository list first.
    name: "README's dashboard (repositories and their storage)",
    roundsNeeded: 2,
    query:
      'query ColdDashboard($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status runNumber endTime } } ' +
      'softwareDeployments { id status action } ' +
      'repositories(first: 2) { totalCount nodes { id name format storage { filesCount usedSpace } } } ' +
      'recordings(first: 1) { totalCount nodes { id duration durationSeconds fileFormat mediaUrl } } ' +
      'jobs(first: 2) { totalCount nodes { id status result percentCompleted updatedAt } } }',
  },
];

/**
 * The critical path of one operation, in rounds, from the calls it actually made: a call is one
 * round after every call that was answered before it arrived. The IAM login is left out (once
 * per process, not per query).
 */
export function criticalPathRounds(calls: readonly TracedCall[]): number {
  const sorted = calls.filter((c) => c.upstream !== 'iam').sort((a, b) => a.at - b.at);
  const round = sorted.map(() => 1);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      const before = sorted[j] as TracedCall;
      if (before.answeredAt !== undefined && before.answeredAt <= (sorted[i] as TracedCall).at) {
        round[i] = Math.max(round[i] as number, (round[j] as number) + 1);
      }
    }
  }
  return round.length ? Math.max(...round) : 0;
}

export interface ColdSample {
  /** End to end, as the client saw it (ms). */
  ms: number;
  /** The gateway's own time (Server-Timing), when it sent one. */
  serverMs?: number;
  rounds: number;
  calls: number;
  ok: boolean;
  /** The gateway's CPU time over the query (ms). */
  cpuMs?: number;
  /** How long the gateway's main thread waited for a core over the query (ms; Linux). */
  waitMs?: number;
}

export interface ColdSummary {
  requests: number;
  errors: number;
  /** Rounds seen (min–max) and the most frequent. */
  rounds: { min: number; max: number; mode: number };
  callsPerOp: number;
  p50Ms: number;
  p99Ms: number;
  /** End to end minus `rounds × latency`, each request with its own rounds. */
  overheadP50Ms: number;
  overheadP99Ms: number;
  serverP50Ms?: number;
  cpuMedianMs?: number;
  waitMedianMs?: number;
}

export const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

export function summarise(samples: readonly ColdSample[], latencyMs: number, roundsOf?: number): ColdSummary {
  const good = samples.filter((s) => s.ok);
  const ms = good.map((s) => s.ms).sort((a, b) => a - b);
  const overhead = good.map((s) => s.ms - (roundsOf ?? s.rounds) * latencyMs).sort((a, b) => a - b);
  const server = good.flatMap((s) => (s.serverMs === undefined ? [] : [s.serverMs])).sort((a, b) => a - b);
  const rounds = good.map((s) => roundsOf ?? s.rounds);
  const freq = new Map<number, number>();
  for (const r of rounds) freq.set(r, (freq.get(r) ?? 0) + 1);
  const mode = [...freq].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const median = (xs: Array<number | undefined>) => {
    const defined = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return defined.length ? quantile(defined, 0.5) : undefined;
  };
  return {
    cpuMedianMs: median(good.map((s) => s.cpuMs)),
    waitMedianMs: median(good.map((s) => s.waitMs)),
    requests: samples.length,
    errors: samples.length - good.length,
    rounds: { min: Math.min(...rounds), max: Math.max(...rounds), mode },
    callsPerOp: good.reduce((n, s) => n + s.calls, 0) / Math.max(1, good.length),
    p50Ms: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
    overheadP50Ms: quantile(overhead, 0.5),
    overheadP99Ms: quantile(overhead, 0.99),
    serverP50Ms: server.length ? quantile(server, 0.5) : undefined,
  };
}

/** Sends one GraphQL operation and times it to the last byte of the answer. */
export async function timedQuery(pool: Pool, body: string): Promise<{ ms: number; serverMs?: number; ok: boolean; text: string }> {
  const started = process.hrtime.bigint();
  const res = await pool.request({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body });
  const text = await res.body.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const timing = res.headers['server-timing'];
  const dur = typeof timing === 'string' ? /gateway;dur=([\d.]+)/.exec(timing)?.[1] : undefined;
  return { ms, serverMs: dur ? Number(dur) : undefined, ok: res.statusCode === 200 && text.startsWith('{"data":{'), text };
}
