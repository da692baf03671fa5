import WebSocket from 'ws';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import type { ExecutionResult } from 'graphql';

/** One subscription as a client sees it: every result received, and how it ended. */
export interface LiveRun {
  results: ExecutionResult[];
  /** Settles when the server completes it (`complete`) or fails it (`error`: what the client got). */
  ended: Promise<{ how: 'complete' } | { how: 'error'; error: unknown }>;
  /** Ends it from the client side. */
  stop(): void;
}

export interface LiveAuth {
  /** `Bearer <key>`. */
  authorization?: string;
  /** The caller's own Huawei token. */
  xAuthToken?: string;
}

function runOf(subscribe: (sink: { next(r: ExecutionResult): void; error(e: unknown): void; complete(): void }) => () => void): LiveRun {
  const results: ExecutionResult[] = [];
  let stop: () => void = () => undefined;
  const ended = new Promise<{ how: 'complete' } | { how: 'error'; error: unknown }>((resolve) => {
    stop = subscribe({
      next: (r) => results.push(r),
      error: (error) => resolve({ how: 'error', error }),
      complete: () => resolve({ how: 'complete' }),
    });
  });
  return { results, ended, stop: () => stop() };
}

/** A graphql-ws client (the real library, over `ws`) to a gateway's `/graphql`. */
export function wsClient(baseUrl: string, auth: LiveAuth = {}): WsClient {
  return createWsClient({
    url: baseUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: {
      ...(auth.authorization ? { authorization: auth.authorization } : {}),
      ...(auth.xAuthToken ? { 'x-auth-token': auth.xAuthToken } : {}),
    },
  });
}

export function wsSubscribe(client: WsClient, query: string, variables: Record<string, unknown> = {}): LiveRun {
  return runOf((sink) => client.subscribe({ query, variables }, sink));
}

/** A graphql-sse client (the real library, distinct connections mode) to a gateway's `/graphql/stream`. */
export function sseSubscribe(baseUrl: string, query: string, variables: Record<string, unknown> = {}, auth: LiveAuth = {}): LiveRun {
  const client = createSseClient({
    url: baseUrl + '/graphql/stream',
    singleConnection: false,
    retryAttempts: 0,
    headers: {
      ...(auth.authorization ? { authorization: auth.authorization } : {}),
      ...(auth.xAuthToken ? { 'x-auth-token': auth.xAuthToken } : {}),
    },
  });
  const run = runOf((sink) => client.subscribe({ query, variables }, sink));
  void run.ended.finally(() => client.dispose());
  return run;
}

/** Waits until `run` holds at least `n` results (or fails after `timeoutMs`). */
export async function resultsOf(run: LiveRun, n: number, timeoutMs = 8000): Promise<ExecutionResult[]> {
  const until = Date.now() + timeoutMs;
  while (run.results.length < n) {
    if (Date.now() > until)
      throw new Error(`expected ${n} results within ${timeoutMs} ms, got ${run.results.length}: ${JSON.stringify(run.results)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return run.results;
}
