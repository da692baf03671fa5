import { Pool } from 'undici';

/**
 * A closed-loop HTTP load generator: `concurrency` workers, each sending its next request as
 * soon as the previous one is answered, over a fixed pool of keep-alive connections (undici),
 * for `durationMs` or `maxRequests`, whichever comes first. Latency is measured per request
 * from send to the last byte of the body.
 */
export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:4000. */
  origin: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Body of the i-th request (lets a scenario vary ids per request). */
  body?: (i: number) => string;
  concurrency: number;
  durationMs: number;
  /** Stops earlier after this many requests. */
  maxRequests?: number;
  /** Requests before measuring starts (connections, JIT, caches). Default 0. */
  warmupRequests?: number;
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
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const method = spec.method ?? 'POST';
  const ok = spec.ok ?? ((status: number) => status >= 200 && status < 300);
  let issued = 0;

  const one = async (): Promise<{ ms: number; good: boolean; why?: string }> => {
    const i = issued++;
    const started = process.hrtime.bigint();
    try {
      const res = await pool.request({ method, path: spec.path, headers: spec.headers, body: spec.body?.(i) });
      const text = await res.body.text();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const good = ok(res.statusCode, text);
      return good ? { ms, good } : { ms, good, why: `${res.statusCode} ${text.slice(0, 200)}` };
    } catch (err) {
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, good: false, why: (err as Error).message };
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
    let errors = 0;
    let firstError: string | undefined;
    const max = spec.maxRequests ?? Number.POSITIVE_INFINITY;
    const start = process.hrtime.bigint();
    const deadline = Date.now() + spec.durationMs;
    let measured = 0;
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (Date.now() < deadline && measured < max) {
          measured += 1;
          const r = await one();
          latencies.push(r.ms);
          if (!r.good) {
            errors += 1;
            firstError ??= r.why;
          }
        }
      }),
    );
    const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return {
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
 * A GraphQL answer with data and no errors. Checked on the text, not parsed: parsing a 20 KB
 * answer on the load generator's event loop would add its time to every measured latency.
 * Apollo Server writes `errors` before `data`, so an answer with errors never starts this way.
 */
export function graphqlOk(status: number, body: string): boolean {
  return status === 200 && body.startsWith('{"data":{');
}
