import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { LiveConfig } from '../config';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { LiveCoordination } from './coordination';
import { LiveSubscription } from './live-subscription';
import type { LiveResult } from './live-result';
import { valueOfLiveResult } from './live-result';
import { topicKey, type LiveKind, type LiveSource } from './sources';
import { TopicWatcher } from './topic-watcher';

export interface LiveHubDeps {
  config: LiveConfig;
  /** Shared polling through Redis; absent: this process polls alone. */
  coordination?: LiveCoordination;
  logger: Logger;
  metrics: Metrics;
}

export interface LiveSubscribeOptions {
  /** Who holds the subscription (`key:<id>`, a JWT subject), counted against the per-caller limit; null: not counted. */
  caller: string | null;
  /**
   * The current values of ids nothing is known of yet (the query path: shared result cache,
   * coalesced), one per id in order, an Error where it failed.
   */
  loadInitial: (ids: string[]) => Promise<unknown[]>;
}

/** A limit a subscription would pass: OPERATION_LIMIT_EXCEEDED, like the operation limits. */
export function liveLimitError(limit: string, max: number, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit, max } });
}

/**
 * The live updates of one gateway process: one {@link TopicWatcher} per topic (kind, upstream
 * identity, project) with subscribers here, each subscription a bounded {@link LiveSubscription}.
 * A new subscription starts from what is known of its ids (the last published results, in Redis
 * when shared), else from the query path, then gets every change its watcher delivers.
 */
export class LiveHub {
  private readonly watchers = new Map<string, TopicWatcher>();
  private readonly perCaller = new Map<string, number>();
  private readonly subscriptions = new Set<LiveSubscription>();
  private readonly owner = randomUUID();
  private closed = false;

  constructor(private readonly deps: LiveHubDeps) {
    deps.coordination?.listen((message) => this.receive(message));
  }

  get config(): LiveConfig {
    return this.deps.config;
  }

  /** Subscriptions open in this process. */
  get size(): number {
    return this.subscriptions.size;
  }

  subscribe(source: LiveSource, ids: readonly string[], options: LiveSubscribeOptions): LiveSubscription {
    const { config, metrics } = this.deps;
    if (this.closed) throw new GraphQLError('The gateway is shutting down', { extensions: { code: 'UNAVAILABLE' } });
    if (options.caller !== null && (this.perCaller.get(options.caller) ?? 0) >= config.maxSubscriptionsPerCaller) {
      metrics.operationsRefused.inc({ reason: 'limit' });
      throw liveLimitError(
        'subscriptionsPerCaller',
        config.maxSubscriptionsPerCaller,
        `This caller already holds ${config.maxSubscriptionsPerCaller} subscriptions on this gateway (LIVE_MAX_SUBSCRIPTIONS_PER_CALLER): end one first`,
      );
    }
    const kind = source.topic.kind;
    const key = topicKey(source.topic);
    let watcher = this.watchers.get(key);
    if (!watcher) {
      watcher = new TopicWatcher(key, kind, source.fetch, {
        intervalMs: config.pollIntervalMs,
        coordination: this.deps.coordination,
        owner: this.owner,
        logger: this.deps.logger,
        onPoll: (k, outcome) => metrics.livePolls.inc({ kind: k, outcome }),
        onLease: (k, held) => metrics.liveLeases.inc({ kind: k }, held ? 1 : -1),
        onIdle: (w) => {
          if (this.watchers.get(w.key) === w) this.watchers.delete(w.key);
        },
      });
      this.watchers.set(key, watcher);
    }
    const owner = watcher;
    const subscription = new LiveSubscription(ids, {
      kind,
      maxBuffered: config.maxBufferedEvents,
      onDropped: () => metrics.liveDropped.inc({ kind }),
      onEnd: (s) => {
        this.subscriptions.delete(s);
        metrics.liveSubscriptions.dec({ kind });
        if (options.caller !== null) {
          const left = (this.perCaller.get(options.caller) ?? 1) - 1;
          if (left > 0) this.perCaller.set(options.caller, left);
          else this.perCaller.delete(options.caller);
        }
        owner.remove(s);
      },
    });
    this.subscriptions.add(subscription);
    metrics.liveSubscriptions.inc({ kind });
    if (options.caller !== null) this.perCaller.set(options.caller, (this.perCaller.get(options.caller) ?? 0) + 1);
    watcher.add(subscription);
    void this.prime(owner, subscription, options.loadInitial);
    return subscription;
  }

  /** Ends every subscription (shutdown): clients see them complete. */
  close(): void {
    this.closed = true;
    for (const s of [...this.subscriptions]) void s.return();
    for (const w of [...this.watchers.values()]) w.stop();
  }

  /** The current value of each id, once: what is known, else the query path. */
  private async prime(watcher: TopicWatcher, subscription: LiveSubscription, loadInitial: LiveSubscribeOptions['loadInitial']) {
    try {
      const ids = [...subscription.ids];
      const known = await watcher.knownResults(ids);
      const missing = ids.filter((_, i) => known[i] === undefined);
      const loaded = missing.length ? await loadInitial(missing) : [];
      const byId = new Map<string, unknown>(missing.map((id, i) => [id, loaded[i]]));
      ids.forEach((id, i) => {
        const json = known[i];
        if (subscription.pushed.has(id)) return;
        subscription.offer(id, json === undefined ? byId.get(id) : valueOfLiveResult(JSON.parse(json) as LiveResult));
      });
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'live subscription: initial values failed');
      for (const id of subscription.ids)
        if (!subscription.pushed.has(id)) subscription.offer(id, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private receive(message: string): void {
    let parsed: { t?: unknown; r?: unknown };
    try {
      parsed = JSON.parse(message) as { t?: unknown; r?: unknown };
    } catch {
      return;
    }
    if (typeof parsed.t !== 'string' || !Array.isArray(parsed.r)) return;
    this.watchers.get(parsed.t)?.deliver(parsed.r as Array<[string, string]>);
  }
}

export type { LiveKind };
