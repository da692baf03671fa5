import { readFileSync } from 'node:fs';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { loadConfig } from '../src/config';
import { createGateway, GATEWAY_VERSION } from '../src/gateway';
import { createLogger } from '../src/observability/logger';
import { createResolvers } from '../src/resolvers';
import { withSimulatedUpstreams } from '../src/simulators';
import type { FromGateway, ToGateway } from './lib/ipc';
import { startNaiveGateway } from './naive-gateway';

/**
 * Child process of the benchmark: one gateway (or the naive baseline) in a process of its own,
 * so its RSS is its own and the load generator does not share its event loop. Configured like
 * `npm start` from the environment the benchmark gives it, pointed at the bench's upstreams.
 */
async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'gateway';
  const endpoints = JSON.parse(process.argv[3] ?? '{}') as Record<string, string>;
  const send = (message: FromGateway) => process.send?.(message);
  let close: () => Promise<void>;

  if (mode === 'naive') {
    const naive = await startNaiveGateway({ endpoints });
    close = () => naive.close();
    send({ type: 'ready', url: naive.url, cache: 'none', domains: ['pipelines', 'repositories', 'recordings', 'jobs'] });
  } else {
    const config = withSimulatedUpstreams(loadConfig(process.env), { endpoints });
    const gateway = await createGateway(config, { logger: createLogger({ level: config.logLevel }) });
    const url = await gateway.listen();
    close = () => gateway.close();
    // Root fields that have a resolver today (domains still being built have none yet).
    const domains = createResolvers({ version: GATEWAY_VERSION, simulated: true }).flatMap((r) => Object.keys(r.Query ?? {}));
    send({ type: 'ready', url, cache: gateway.services.cache.kind, domains });
  }

  // How long the event loop was held up (GC, long tasks, the machine's stalls): requests that
  // arrive meanwhile wait before the gateway even sees them, which Server-Timing cannot show.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  // Young-generation collections (scavenges) stop the event loop: their pauses set the floor of
  // the gateway's tail latency, so the benchmark reports them beside the loop delay.
  // Full collections (mark-compact) come every few seconds under load and pause it longer, so
  // an 8-second window's p99 depends on whether one landed in it: reported too.
  let scavenges: number[] = [];
  let fullCollections: number[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as Array<PerformanceEntry & { detail?: { kind?: number } }>) {
      if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) scavenges.push(entry.duration);
      else if (entry.detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) fullCollections.push(entry.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  // The benchmark gone (crashed, interrupted): never outlive it.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ToGateway) => {
    if (message.type === 'memory') {
      const m = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({
        type: 'memory',
        rssBytes: m.rss,
        heapUsedBytes: m.heapUsed,
        cpuMicros: cpu.user + cpu.system,
        // Since the previous ask (nanoseconds in, milliseconds out; the 1 ms resolution subtracted).
        loopDelayMs: { p99: Math.max(0, loopDelay.percentile(99) / 1e6 - 1), max: Math.max(0, loopDelay.max / 1e6 - 1) },
        scavenges: pauseFigures(scavenges),
        fullCollections: pauseFigures(fullCollections),
        runQueueWaitMs: runQueueWaitMs(),
      });
      loopDelay.reset();
      scavenges = [];
      fullCollections = [];
    } else if (message.type === 'stop') {
      void close().finally(() => process.exit(0));
    }
  });
}

/** The main thread's wait for a CPU so far (ms), where Linux tells it (`/proc/.../schedstat`). */
function runQueueWaitMs(): number | undefined {
  try {
    const waitedNs = Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitedNs) ? waitedNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

function pauseFigures(pauses: number[]): { count: number; medianMs: number; maxMs: number } {
  const sorted = [...pauses].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0, maxMs: sorted[sorted.length - 1] ?? 0 };
}

void main().catch((err: unknown) => {
  process.send?.({ type: 'error', message: (err as Error).message } satisfies FromGateway);
  process.exit(1);
});
