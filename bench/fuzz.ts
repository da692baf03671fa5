/**
 * Fuzz run (`npm run bench:fuzz`): FUZZ_REQUESTS randomized malformed or hostile requests
 * (bodies, headers, ranges, documents, variables, methods; bench/lib/fuzz-requests.ts) against
 * a gateway in a process of its own, configured like production (`NODE_ENV=production`,
 * `SIMULATE=1`, no gateway keys), on the simulated upstreams in another process. Loopback only;
 * bounded in count (FUZZ_REQUESTS, default 5000) and time (FUZZ_MAX_SECONDS, default 180).
 *
 * Reports requests sent, answers by HTTP status and by GraphQL error code, transport failures,
 * crashes (the gateway process gone: must be 0), and the gateway's RSS and heap before and
 * after. Exits 1 when the gateway crashed, answered a 5xx, or grew its RSS by more than
 * FUZZ_RSS_LIMIT_MB (default 150). FUZZ_SEED replays a run.
 */
import http from 'node:http';
import path from 'node:path';
import { Child, type FromGateway, type FromUpstreams, type ToGateway, type ToUpstreams } from './lib/ipc';
import { generator, prng, send } from './lib/fuzz-requests';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const MAX_SECONDS = Number(process.env.FUZZ_MAX_SECONDS ?? 180);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const SEED = Number(process.env.FUZZ_SEED ?? 16);
const RSS_LIMIT_MB = Number(process.env.FUZZ_RSS_LIMIT_MB ?? 150);

const MB = 1024 * 1024;

function codeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ extensions?: { code?: unknown } }> };
    const code = parsed.errors?.[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function increment(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

async function main(): Promise<void> {
  const upstreams = await Child.start<ToUpstreams, FromUpstreams>(path.join(__dirname, 'upstreams-process.js'), ['0'], {
    PATH: process.env.PATH ?? '',
  });
  if (upstreams.ready.type !== 'ready') throw new Error('upstreams did not start');
  const gateway = await Child.start<ToGateway, FromGateway>(
    path.join(__dirname, 'gateway-process.js'),
    ['gateway', JSON.stringify(upstreams.ready.endpoints)],
    { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', SIMULATE: '1', LOG_LEVEL: 'error' },
  );
  if (gateway.ready.type !== 'ready') throw new Error('gateway did not start');
  const url = gateway.ready.url;
  const pid = gateway.child.pid;
  const alive = () => {
    try {
      if (pid === undefined) return false;
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  const memory = async () => {
    const m = await gateway.child.ask({ type: 'memory' }, 'memory');
    return { rssMb: Math.round(m.rssBytes / MB), heapMb: Math.round(m.heapUsedBytes / MB) };
  };
  // A short valid warm-up first, so "before" is a started gateway, not a cold one.
  for (let i = 0; i < 200; i++)
    await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ gatewayInfo { version } }"}',
    });
  const before = await memory();

  const next = generator(prng(SEED));
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const byStatus: Record<string, number> = {};
  const byCode: Record<string, number> = {};
  const byKind: Record<string, number> = {};
  const transport: Record<string, number> = {};
  const deadline = Date.now() + MAX_SECONDS * 1000;
  const started = Date.now();
  let sent = 0;
  let crashes = 0;
  const worker = async () => {
    while (sent < REQUESTS && Date.now() < deadline && crashes === 0) {
      sent += 1;
      const r = next();
      increment(byKind, r.kind);
      try {
        const answer = await send(url, agent, r);
        increment(byStatus, String(answer.status));
        if (answer.status >= 300) increment(byCode, codeOf(answer.body) ?? `(no code, ${answer.status})`);
      } catch (err) {
        increment(transport, `${r.kind}: ${(err as Error).message}`);
        if (!alive()) crashes += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  const seconds = (Date.now() - started) / 1000;
  if (!alive()) crashes = Math.max(crashes, 1);
  const after = crashes === 0 ? await memory() : null;
  const healthy =
    crashes === 0 &&
    (await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ));

  const fiveHundreds = Object.entries(byStatus)
    .filter(([status]) => Number(status) >= 500)
    .reduce((n, [, count]) => n + count, 0);
  const rssGrowthMb = after ? after.rssMb - before.rssMb : null;
  const report = {
    requests: sent,
    kinds: Object.keys(byKind).length,
    seconds: Math.round(seconds * 10) / 10,
    seed: SEED,
    byStatus,
    nonSuccessByCode: byCode,
    transportFailures: transport,
    crashes,
    healthyAfter: healthy,
    memory: { before, after, rssGrowthMb },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

  await gateway.child.stop({ type: 'stop' });
  await upstreams.child.stop({ type: 'stop' });
  const failed = crashes > 0 || !healthy || fiveHundreds > 0 || rssGrowthMb === null || rssGrowthMb > RSS_LIMIT_MB;
  if (failed)
    process.stdout.write(`FAILED: crashes ${crashes}, 5xx ${fiveHundreds}, RSS growth ${rssGrowthMb} MB (limit ${RSS_LIMIT_MB})\n`);
  process.exit(failed ? 1 : 0);
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:fuzz failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
