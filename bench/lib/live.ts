import path from 'node:path';
import type { ExecutionResult } from 'graphql';
import WebSocket from 'ws';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { SIMULATED, startSimulators } from '../../src/simulators';
import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';
import { Child, type FromGateway, type ToGateway } from './ipc';
import { benchPipelineIds } from './dashboard';

export interface LiveBenchOptions {
  redisUrl: string | null;
  prefix: string;
  latencyMs: number;
  subscribers: number;
  pipelines: number;
  /** Pipelines each subscription watches (a dashboard's list). */
  perSubscription: number;
  replicas: number;
  intervalMs: number;
  /** Upstream changes whose event latency is measured. */
  changes: number;
}

interface Subscriber {
  ids: string[];
  /** When the event carrying each run number arrived, per pipeline. */
  arrivals: Map<string, number>;
  initial: number;
}

const QUERY = `subscription($ids: [ID!]!) { pipelineRuns(ids: $ids) { id latestRun { status runNumber } } }`;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * `npm run bench -- --live`: subscribers spread over gateway replicas sharing one Redis, all
 * watching pipelines of one project. Measures upstream calls per interval (the claim: each
 * pipeline fetched once per interval however many subscribers and replicas, in batched calls),
 * event latency after an upstream change (p50/p99, from the change and from the poll that saw
 * it) and memory per subscriber in the gateways. The simulated upstreams run in this process
 * (so the bench can change a run and count calls); the gateways are processes of their own.
 */
export async function runLiveBench(options: LiveBenchOptions, dist: string): Promise<void> {
  const sims = await startSimulators();
  sims.pipeline.setLatency(options.latencyMs);
  const project = SIMULATED.codeartsProjectId;
  const ids = benchPipelineIds(options.pipelines, 'live');
  const runNumber = new Map<string, number>();
  const setRun = (id: string, n: number) => {
    runNumber.set(id, n);
    sims.pipeline.setRun(project, id, { ...SEED_PIPELINE_RUN, pipeline_id: id, status: 'RUNNING', run_number: n });
  };
  for (const id of ids) setRun(id, 1);

  const replicas: Array<{ child: Child<ToGateway, FromGateway>; url: string }> = [];
  const ws: WsClient[] = [];
  const sse: SseClient[] = [];
  try {
    for (let i = 0; i < options.replicas; i++) {
      const { child, ready } = await Child.start<ToGateway, FromGateway>(
        path.join(dist, 'gateway-process.js'),
        ['gateway', JSON.stringify(sims.endpoints)],
        {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          SIMULATE: '1',
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          CACHE_PREFIX: `${options.prefix}-live`,
          LIVE_POLL_INTERVAL_MS: String(options.intervalMs),
          LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(options.subscribers),
          ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
        },
      );
      if (ready.type !== 'ready') throw new Error('gateway did not start');
      replicas.push({ child, url: ready.url });
    }
    const memoryBefore = await Promise.all(replicas.map((r) => r.child.ask({ type: 'memory' }, 'memory')));

    // Every subscriber watches a window of the pipelines; half over WebSocket, half over SSE.
    const subscribers: Subscriber[] = [];
    for (let i = 0; i < options.subscribers; i++) {
      const start = (i * options.perSubscription) % options.pipelines;
      const mine = Array.from({ length: options.perSubscription }, (_, k) => ids[(start + k) % options.pipelines]!);
      const sub: Subscriber = { ids: mine, arrivals: new Map(), initial: 0 };
      subscribers.push(sub);
      const url = replicas[i % replicas.length]!.url;
      const sink = {
        next(result: ExecutionResult) {
          const p = (result.data as { pipelineRuns?: { id: string; latestRun: { runNumber: number } | null } } | undefined)?.pipelineRuns;
          if (!p?.latestRun) return;
          if (p.latestRun.runNumber === 1) sub.initial += 1;
          else sub.arrivals.set(`${p.id}#${p.latestRun.runNumber}`, performance.now());
        },
        error: () => undefined,
        complete: () => undefined,
      };
      if (i % 2 === 0) {
        const client = createWsClient({ url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
        ws.push(client);
        client.subscribe({ query: QUERY, variables: { ids: mine } }, sink);
      } else {
        const client = createSseClient({ url: url + '/graphql/stream', singleConnection: false, retryAttempts: 0 });
        sse.push(client);
        client.subscribe({ query: QUERY, variables: { ids: mine } }, sink);
      }
    }
    const until = Date.now() + 60_000;
    while (subscribers.some((s) => s.initial < s.ids.length) && Date.now() < until) await sleep(50);
    const ready = subscribers.filter((s) => s.initial >= s.ids.length).length;
    await sleep(2 * options.intervalMs);
    const memoryAfter = await Promise.all(replicas.map((r) => r.child.ask({ type: 'memory' }, 'memory')));

    // Upstream calls over 10 quiet intervals.
    const intervals = 10;
    sims.pipeline.resetCalls();
    await sleep(intervals * options.intervalMs);
    const statusCalls = sims.pipeline.calls.filter((c) => c.path.endsWith('/api/pipelines/status'));
    const idsFetched = statusCalls.reduce((n, c) => n + (JSON.parse(c.body) as string[]).length, 0);
    const largestCall = Math.max(0, ...statusCalls.map((c) => (JSON.parse(c.body) as string[]).length));

    // Event latency: one pipeline changes at a time, at a random moment of the interval.
    const fromChange: number[] = [];
    const fromPoll: number[] = [];
    for (let round = 0; round < options.changes; round++) {
      const id = ids[(round * 37) % ids.length]!;
      const n = (runNumber.get(id) ?? 1) + 1;
      await sleep(Math.random() * options.intervalMs);
      sims.pipeline.resetCalls();
      const changedAt = performance.now();
      const changedAtWall = Date.now();
      setRun(id, n);
      const watchers = subscribers.filter((s) => s.ids.includes(id));
      const key = `${id}#${n}`;
      const deadline = Date.now() + 4 * options.intervalMs;
      while (watchers.some((s) => !s.arrivals.has(key)) && Date.now() < deadline) await sleep(5);
      // The first status call that carried the pipeline after the change (wall clock of the simulator).
      const poll = sims.pipeline.calls.find((c) => c.at >= changedAtWall && c.body.includes(id));
      const pollAt = poll ? changedAt + (poll.at - changedAtWall) : undefined;
      for (const s of watchers) {
        const at = s.arrivals.get(key);
        if (at === undefined) continue;
        fromChange.push(at - changedAt);
        if (pollAt !== undefined) fromPoll.push(at - pollAt);
      }
    }
    fromChange.sort((a, b) => a - b);
    fromPoll.sort((a, b) => a - b);
    const expectedEvents = (options.changes * (options.subscribers * options.perSubscription)) / options.pipelines;

    const perSubscriber = (field: 'rssBytes' | 'heapUsedBytes') =>
      memoryAfter.reduce((n, m, i) => n + (m[field] - (memoryBefore[i]?.[field] ?? 0)), 0) / options.subscribers / 1024;
    const lines = [
      `# live updates — ${new Date().toISOString()}`,
      `settings: ${options.subscribers} subscribers (half WebSocket, half SSE) across ${options.replicas} gateway replicas, ` +
        `${options.pipelines} pipelines of one project, ${options.perSubscription} per subscription, LIVE_POLL_INTERVAL_MS=${options.intervalMs}, ` +
        `PIPELINE_BATCH_MAX=100, upstream latency ${options.latencyMs} ms, ${options.redisUrl ? `shared Redis ${options.redisUrl}` : 'NO Redis (each replica polls alone)'}`,
      `subscribers with every initial value: ${ready} / ${options.subscribers}`,
      `upstream over ${intervals} intervals: ${statusCalls.length} status calls (${fmt(statusCalls.length / intervals, 2)} per interval), ` +
        `${idsFetched} pipeline ids fetched = ${fmt(idsFetched / intervals / options.pipelines, 2)} fetch per pipeline per interval; largest call ${largestCall} ids`,
      `event latency after an upstream change (${fromChange.length} of ${expectedEvents} events): p50 ${fmt(percentile(fromChange, 50))} ms, p99 ${fmt(percentile(fromChange, 99))} ms ` +
        `(includes waiting for the next poll: up to one interval)`,
      `event latency after the poll that saw the change: p50 ${fmt(percentile(fromPoll, 50))} ms, p99 ${fmt(percentile(fromPoll, 99))} ms ` +
        `(upstream answer, fan-out through Redis, each subscriber's selection executed and compared, sent)`,
      `memory per subscriber (gateways' growth / subscribers): RSS ${fmt(perSubscriber('rssBytes'))} KiB, heap ${fmt(perSubscriber('heapUsedBytes'))} KiB`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await Promise.all(ws.map(async (c) => c.dispose()));
    for (const c of sse) c.dispose();
    await Promise.all(replicas.map((r) => r.child.stop({ type: 'stop' })));
    await sims.close();
  }
}
