import { Pool } from 'undici';

/**
 * An HTTP load generator over a fixed pool of keep-alive connections (undici), for
 * `durationMs` or `maxRequests`, whichever comes first.
 *
 * Closed loop (default): `concurrency` workers, each sending its next request as soon as the
 * previous one is answered; latency is measured from send to the last byte of the body. This
 * finds the most a server can do, and is the wrong tool for latency at a given load: the
 * server is never idle, so every answer also waits for the one before it.
 *
 * Open loop (`ratePerSecond`): requests are due at a fixed rate whatever the server does, as
 * real callers send them, with at most `concurrency` in flight. Latency is measured from when
 * a request was due, not when it could be sent, so a stall counts for every request it
 * delayed (no coordinated omission).
 */
export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:4000. */
  origin: string;
  path: string;
  method?: 'GET' | 'POST';
  /** Headers of every request, or of the i-th (lets a scenario vary credentials per request). */
  headers?: Record<string, string> | ((i: number) => Record<string, string>);
  /** Body of the i-th request (lets a scenario vary ids per request). */
  body?: (i: number) => string;
  concurrency: number;
  durationMs: number;
  /** Stops earlier after this many requests. */
  maxRequests?: number;
  /** Requests before measuring starts (connections, JIT, caches). Default 0. */
  warmupRequests?: number;
  /** Open loop: requests due per second (see above). Closed loop when absent. */
  ratePerSecond?: number;
  /** Called with each measured request: when it started (ms into the run) and its latency. */
  onSample?: (atMs: number, latencyMs: number) => void;
  /** Whether an answer counts as a success (default: status 2xx). */
  ok?: (status: number, body: string) => boolean;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** First failure, to say why (status and the start of the body). */
  firstError?: string;
  durationMs: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * The server's own time per request, from its `Server-Timing` header (`gateway;dur=`): what
   * it added, without the loopback round trip, the kernel's queues or the load generator's own
   * stalls. Absent when the server sends no such header.
   */
  server?: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number };
  /** The open loop's rate (req/s), when it was one. */
  openLoop?: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const method = spec.method ?? 'POST';
  const ok = spec.ok ?? ((status: number) => status >= 200 && status < 300);
  let issued = 0;

  const serverMs: number[] = [];
  let measuring = false;
  const one = async (dueAt?: bigint): Promise<{ ms: number; good: boolean; why?: string; at: bigint }> => {
    const i = issued++;
    const started = dueAt ?? process.hrtime.bigint();
    try {
      const res = await pool.request({
        method,
        path: spec.path,
        headers: typeof spec.headers === 'function' ? spec.headers(i) : spec.headers,
        body: spec.body?.(i),
      });
      const text = await res.body.text();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const timing = res.headers['server-timing'];
      if (measuring && typeof timing === 'string') {
        const dur = /gateway;dur=([\d.]+)/.exec(timing)?.[1];
        if (dur) serverMs.push(Number(dur));
      }
      const good = ok(res.statusCode, text);
      return good ? { ms, good, at: started } : { ms, good, at: started, why: `${res.statusCode} ${text.slice(0, 200)}` };
    } catch (err) {
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, good: false, at: started, why: (err as Error).message };
    }
  };

  try {
    const warmup = spec.warmupRequests ?? 0;
    if (warmup > 0) {
      let left = warmup;
      await Promise.all(
        Array.from({ length: Math.min(spec.concurrency, warmup) }, async () => {
          while (left-- > 0) await one();
        }),
      );
    }

    const latencies: number[] = [];
    measuring = true;
    let errors = 0;
    let firstError: string | undefined;
    const max = spec.maxRequests ?? Number.POSITIVE_INFINITY;
    const start = process.hrtime.bigint();
    const deadline = Date.now() + spec.durationMs;
    let measured = 0;
    const record = (r: { ms: number; good: boolean; why?: string; at: bigint }) => {
      latencies.push(r.ms);
      spec.onSample?.(Number(r.at - start) / 1e6, r.ms);
      if (!r.good) {
        errors += 1;
        firstError ??= r.why;
      }
    };
    if (spec.ratePerSecond)
      await openLoop(
        spec.ratePerSecond,
        spec.concurrency,
        Math.min(max, Math.floor((spec.durationMs / 1000) * spec.ratePerSecond)),
        one,
        record,
      );
    else
      await Promise.all(
        Array.from({ length: spec.concurrency }, async () => {
          while (Date.now() < deadline && measured < max) {
            measured += 1;
            record(await one());
          }
        }),
      );
    const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
    latencies.sort((a, b) => a - b);
    serverMs.sort((a, b) => a - b);
    const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const at = (q: number) => quantile(latencies, q);
    const server = serverMs.length
      ? {
          p50Ms: quantile(serverMs, 0.5),
          p90Ms: quantile(serverMs, 0.9),
          p99Ms: quantile(serverMs, 0.99),
          maxMs: serverMs[serverMs.length - 1] ?? 0,
        }
      : undefined;
    return {
      server,
      openLoop: spec.ratePerSecond,
      requests: latencies.length,
      errors,
      firstError,
      durationMs,
      rps: (latencies.length / durationMs) * 1000,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
      p99Ms: at(0.99),
      maxMs: latencies[latencies.length - 1] ?? 0,
    };
  } finally {
    await pool.close();
  }
}

/**
 * Sends `total` requests due every 1/rate seconds from now. A request due while `inFlight`
 * are outstanding waits for one of them, and its latency then counts from when it was due:
 * the server's slowness is charged to every request it held back. The generator's own timer
 * lateness (a timer fires up to a millisecond late) is not the server's, and is not charged.
 */
async function openLoop<R>(
  rate: number,
  inFlight: number,
  total: number,
  one: (dueAt?: bigint) => Promise<R>,
  record: (r: R) => void,
): Promise<void> {
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const start = process.hrtime.bigint();
  const running = new Set<Promise<void>>();
  for (let n = 0; n < total; n++) {
    const dueAt = start + BigInt(n) * intervalNs;
    const waitMs = Number(dueAt - process.hrtime.bigint()) / 1e6;
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    let heldBack = false;
    while (running.size >= inFlight) {
      heldBack = true;
      await Promise.race(running);
    }
    const p: Promise<void> = one(heldBack ? dueAt : undefined).then((r) => {
      running.delete(p);
      record(r);
    });
    running.add(p);
  }
  await Promise.all(running);
}

/**
 * A GraphQL answer with data and no errors. Checked on the text, not parsed: parsing a 20 KB
 * answer on the load generator's event loop would add its time to every measured latency.
 * Apollo Server writes `errors` before `data`, so an answer with errors never starts this way.
 */
export function graphqlOk(status: number, body: string): boolean {
  return status === 200 && body.startsWith('{"data":{');
}
