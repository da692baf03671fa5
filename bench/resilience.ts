/**
 * Resilience under load (`npm run bench:resilience`): the gateway and every simulated upstream
 * in this process, on loopback only, with CodeArts Pipeline failing every other call (HTTP 503).
 * A bounded closed loop (REQUESTS requests, CONCURRENCY workers, stopping after MAX_SECONDS at
 * the latest) sends a dashboard query touching all five upstreams, then checks:
 *
 * - no unhandled rejection;
 * - errors only on the failing upstream's field (`pipelines`), never on the others';
 * - memory flat: heap after a forced GC at the end within HEAP_GROWTH_LIMIT of the heap after
 *   the warm-up (run with --expose-gc; without it the check is skipped and said so).
 *
 * Prints a JSON summary and exits 1 when a check fails. Knobs: BENCH_REQUESTS,
 * BENCH_CONCURRENCY, BENCH_MAX_SECONDS. Compare with bench/resilience.baseline.json (2 shared cores).
 */
import { createHash } from 'node:crypto';
import { loadConfig } from '../src/config';
import { createGateway } from '../src/gateway';
import { createLogger } from '../src/observability/logger';
import { startSimulators, withSimulatedUpstreams } from '../src/simulators';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 60);
const WARMUP = Math.min(500, Math.floor(REQUESTS / 5));
/** Heap may grow by this share between warm-up and end (GC noise, JIT), not more. */
const HEAP_GROWTH_LIMIT = 0.25;
const FAILING_FIELD = 'pipelines';

const QUERY = `query Dashboard($ids: [ID!]!) {
  pipelines(ids: $ids) { id latestRun { status runNumber } }
  jobs(first: 5) { totalCount nodes { id status } }
  softwareDeployments { id status }
  recordings(first: 5) { totalCount nodes { id status } }
  repositories(first: 5) { totalCount nodes { id name } }
}`;

function pipelineId(i: number): string {
  return createHash('md5').update(`bench-${i}`).digest('hex');
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ path?: Array<string | number>; extensions?: { code?: string } }>;
}

function heapMb(): number {
  return Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10;
}

function settleHeap(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  gc();
  return heapMb();
}

async function main(): Promise<void> {
  const rejections: unknown[] = [];
  process.on('unhandledRejection', (reason) => rejections.push(reason));

  const sims = await startSimulators();
  const config = withSimulatedUpstreams(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      SIMULATE: '1',
      LOG_LEVEL: 'error',
      // Every query reaches the upstreams: the point is the failing calls, not the cache.
      RESULT_CACHE_TTL_SECONDS: '0',
      RESULT_CACHE_STALE_SECONDS: '0',
    }),
    sims,
  );
  const gateway = await createGateway(config, { logger: createLogger({ level: 'error' }) });
  const url = `${await gateway.listen()}/graphql`;
  sims.pipeline.inject({ kind: 'status', status: 503 }, { every: 2 });

  const fieldErrors = new Map<string, number>();
  const codes = new Map<string, number>();
  let answered = 0;
  let httpFailures = 0;
  let next = 0;
  const heap: Array<{ at: number; heapMb: number }> = [];
  const started = Date.now();
  const stopAt = started + MAX_SECONDS * 1000;
  let heapAfterWarmup: number | null = null;
  let pipelineCalls = 0;

  const worker = async () => {
    while (next < REQUESTS && Date.now() < stopAt) {
      const i = next++;
      if (i === WARMUP) heapAfterWarmup = settleHeap();
      if (i % 500 === 0) {
        heap.push({ at: i, heapMb: heapMb() });
        // The simulators log every call they get (tests read it); here that log is not the gateway's memory.
        pipelineCalls += sims.pipeline.callCount('/v5/');
        for (const sim of sims.all()) sim.resetCalls();
      }
      const ids = Array.from({ length: 5 }, (_, k) => pipelineId((i * 5 + k) % 2000));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query: QUERY, variables: { ids } }),
        });
        const body = (await res.json()) as Answer;
        if (res.status !== 200) httpFailures += 1;
        answered += 1;
        for (const error of body.errors ?? []) {
          const field = String(error.path?.[0] ?? '(request)');
          fieldErrors.set(field, (fieldErrors.get(field) ?? 0) + 1);
          const code = error.extensions?.code ?? 'NONE';
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      } catch {
        httpFailures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const durationMs = Date.now() - started;
  pipelineCalls += sims.pipeline.callCount('/v5/');
  // Measured with the gateway still up: what it holds after the load, not after it is gone.
  await new Promise((r) => setTimeout(r, 100));
  const heapAtEnd = settleHeap();

  await gateway.close();
  await sims.close();

  const foreignErrors = [...fieldErrors].filter(([field]) => field !== FAILING_FIELD);
  const growth = heapAfterWarmup !== null && heapAtEnd !== null ? (heapAtEnd - heapAfterWarmup) / heapAfterWarmup : null;
  const checks = {
    noUnhandledRejection: rejections.length === 0,
    errorsConfinedToFailingUpstream: foreignErrors.length === 0,
    everyRequestAnswered: httpFailures === 0 && answered === next,
    memoryFlat: growth === null ? 'skipped (run node with --expose-gc)' : growth <= HEAP_GROWTH_LIMIT,
  };
  const summary = {
    scenario: 'pipeline fails every other call (503); jobs, deployments, recordings, repositories healthy; no result cache',
    requests: answered,
    concurrency: CONCURRENCY,
    durationMs,
    rps: Math.round((answered / durationMs) * 1000),
    pipelineCalls,
    /** Share of answers whose pipelines field failed: retries recover some, the retry budget caps them. */
    pipelineFieldErrorRate: Math.round(((fieldErrors.get(FAILING_FIELD) ?? 0) / Math.max(1, answered)) * 1000) / 1000,
    errorsByField: Object.fromEntries(fieldErrors),
    errorsByCode: Object.fromEntries(codes),
    heapMb: { afterWarmup: heapAfterWarmup, atEnd: heapAtEnd, samples: heap },
    unhandledRejections: rejections.length,
    checks,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  const failed = Object.entries(checks).filter(([, ok]) => ok === false);
  if (failed.length) {
    process.stderr.write(`resilience bench FAILED: ${failed.map(([name]) => name).join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write('resilience bench: every check passed\n');
}

void main().catch((err: unknown) => {
  process.stderr.write(`resilience bench crashed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
