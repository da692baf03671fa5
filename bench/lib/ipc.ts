import { fork, type ChildProcess } from 'node:child_process';
import type { UpstreamName } from '../../src/config';

/** Messages between the benchmark and its child processes (upstreams, gateway). */
export type ToUpstreams =
  | { type: 'counts' }
  | { type: 'latency'; ms: number }
  /** Keep (on) or stop keeping (off) every call received, for `calls`. */
  | { type: 'trace'; on: boolean }
  /** The calls kept since the last `calls` (or `trace`), then forgotten. */
  | { type: 'calls' }
  | { type: 'stop' };
/** One call an upstream received: when it arrived and when it was answered (epoch ms). */
export interface TracedCall {
  upstream: string;
  path: string;
  at: number;
  answeredAt?: number;
}
export type FromUpstreams =
  | { type: 'ready'; endpoints: Partial<Record<UpstreamName, string>>; names: string[] }
  | { type: 'counts'; counts: Record<string, number>; cpuMicros: number }
  | { type: 'calls'; calls: TracedCall[] }
  | { type: 'ok' };

export type ToGateway = { type: 'memory' } | { type: 'stop' };
export type FromGateway =
  | { type: 'ready'; url: string; cache: string; domains: string[] }
  | {
      type: 'memory';
      rssBytes: number;
      heapUsedBytes: number;
      cpuMicros: number;
      loopDelayMs?: { p99: number; max: number };
      /** Young-generation GC pauses since the previous ask. */
      scavenges?: { count: number; medianMs: number; maxMs: number };
      /** Full (mark-compact) GC pauses since the previous ask: their last, atomic part. */
      fullCollections?: { count: number; medianMs: number; maxMs: number };
      /**
       * How long the main thread has been runnable but waiting for a CPU (ms, since it started;
       * Linux `schedstat`).
       */
      runQueueWaitMs?: number;
    }
  | { type: 'error'; message: string };

/**
 * A forked child that answers requests in order (one outstanding request per type at a time
 * is all the benchmark needs).
 */
export class Child<In extends { type: string }, Out extends { type: string }> {
  private constructor(private readonly proc: ChildProcess) {}

  static async start<In extends { type: string }, Out extends { type: string }>(
    script: string,
    args: string[],
    env: Record<string, string>,
    execArgv: string[] = [],
  ): Promise<{ child: Child<In, Out>; ready: Out }> {
    const proc = fork(script, args, { env: { ...env }, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const child = new Child<In, Out>(proc);
    const ready = await child.next('ready', 30_000);
    return { child, ready };
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  async ask<T extends Out['type']>(message: In, answer: T, timeoutMs = 10_000): Promise<Extract<Out, { type: T }>> {
    const reply = this.next(answer, timeoutMs);
    this.proc.send(message);
    return reply as Promise<Extract<Out, { type: T }>>;
  }

  /** Kills it at once (a replica that dies: no drain, no goodbye), and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGKILL');
    await exited;
  }

  /** Asks it to stop, and kills it if it does not within `graceMs`. */
  async stop(stopMessage: In, graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.send(stopMessage);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private next(type: string, timeoutMs: number): Promise<Out> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`child ${this.proc.pid} sent no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: Out) => {
        if (m.type === 'error') {
          cleanup();
          reject(new Error(`child ${this.proc.pid}: ${(m as unknown as { message: string }).message}`));
        } else if (m.type === type) {
          cleanup();
          resolve(m);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`child ${this.proc.pid} exited (${code}) before sending '${type}'`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.proc.off('message', onMessage);
        this.proc.off('exit', onExit);
      };
      this.proc.on('message', onMessage);
      this.proc.once('exit', onExit);
    });
  }
}
