import type { Logger } from '../observability/logger';
import type { LiveCoordination } from './coordination';
import { liveResultOf, valueOfLiveResult, type LiveResult } from './live-result';
import type { LiveSubscription } from './live-subscription';
import type { LiveFetch, LiveKind } from './sources';

export interface TopicWatcherDeps {
  intervalMs: number;
  /** Absent without a shared Redis (in-process cache, Redis Cluster): this process polls alone. */
  coordination: LiveCoordination | undefined;
  /** This process's lease owner id. */
  owner: string;
  logger: Logger;
  /** Counts one poll of a topic (`ok`, or `error` when it threw as a whole). */
  onPoll: (kind: LiveKind, outcome: 'ok' | 'error') => void;
  /** Called when this process holds the topic's lease (true) or stops holding it (false). */
  onLease: (kind: LiveKind, held: boolean) => void;
  /** Called when the last subscriber left (the hub forgets the watcher). */
  onIdle: (watcher: TopicWatcher) => void;
}

/** How long a lease lives: renewed every half interval, so another process takes over within two intervals. */
export const leaseTtlOf = (intervalMs: number) => Math.round(intervalMs * 1.25);

/**
 * Watches one topic (kind, upstream identity, project) for this process's subscribers.
 *
 * With a shared Redis: every half interval it refreshes its subscribers' ids in the topic's
 * interest set and takes or renews the topic's lease; the holder polls every id any process
 * holds subscribers of, once per interval, and publishes what changed since its last poll (a
 * new holder starts by publishing what it has not seen itself); every process delivers what it
 * receives to its own subscribers. Without Redis (or while Redis is lost) it polls its own ids
 * alone and delivers directly. Either way a poll is one fetch of all ids (pipelines: one call
 * per project per PIPELINE_BATCH_MAX ids), and polling stops when the last subscriber leaves.
 */
export class TopicWatcher {
  private readonly byId = new Map<string, Set<LiveSubscription>>();
  /** The last result seen per id (JSON of a {@link LiveResult}): published by the holder or polled alone. */
  private readonly lastSeen = new Map<string, string>();
  private leader = false;
  private polling = false;
  private stopped = false;
  private readonly leaseTimer: NodeJS.Timeout;
  private readonly pollTimer: NodeJS.Timeout;

  constructor(
    readonly key: string,
    readonly kind: LiveKind,
    private readonly fetch: LiveFetch,
    private readonly deps: TopicWatcherDeps,
  ) {
    this.leaseTimer = setInterval(() => void this.leaseTick(), Math.round(deps.intervalMs / 2));
    this.pollTimer = setInterval(() => void this.pollTick(), deps.intervalMs);
    this.leaseTimer.unref();
    this.pollTimer.unref();
  }

  get subscriberCount(): number {
    let n = 0;
    for (const subs of this.byId.values()) n += subs.size;
    return n;
  }

  private get shared(): boolean {
    return this.deps.coordination?.listening === true;
  }

  add(subscription: LiveSubscription): void {
    const fresh: string[] = [];
    for (const id of subscription.ids) {
      let subs = this.byId.get(id);
      if (!subs) {
        subs = new Set();
        this.byId.set(id, subs);
        fresh.push(id);
      }
      subs.add(subscription);
    }
    // The holder (maybe another process) polls new ids from its next poll on.
    if (fresh.length && this.shared) void this.deps.coordination?.registerInterest(this.key, fresh, this.interestUntil());
    if (!this.leader && this.shared) void this.leaseTick();
  }

  remove(subscription: LiveSubscription): void {
    for (const id of subscription.ids) {
      const subs = this.byId.get(id);
      if (!subs) continue;
      subs.delete(subscription);
      if (subs.size === 0) this.byId.delete(id);
    }
    if (this.byId.size === 0) this.stop();
  }

  /** What is known now of `ids` (JSON results), undefined where nothing is: from Redis when shared. */
  async knownResults(ids: readonly string[]): Promise<Array<string | undefined>> {
    if (this.shared && this.deps.coordination) return this.deps.coordination.lastResults(this.key, ids);
    return ids.map((id) => this.lastSeen.get(id));
  }

  /** Results published by the holder (or polled here): to every subscriber of each id in this process. */
  deliver(results: ReadonlyArray<readonly [string, string]>): void {
    for (const [id, json] of results) {
      this.lastSeen.set(id, json);
      const subs = this.byId.get(id);
      if (!subs?.size) continue;
      const value = valueOfLiveResult(JSON.parse(json) as LiveResult);
      for (const sub of [...subs]) sub.offer(id, value);
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.leaseTimer);
    clearInterval(this.pollTimer);
    if (this.leader) {
      this.leader = false;
      this.deps.onLease(this.kind, false);
      if (this.deps.coordination) void this.deps.coordination.releaseLease(this.key, this.deps.owner);
    }
    this.deps.onIdle(this);
  }

  private interestUntil(): number {
    return Date.now() + this.deps.intervalMs * 3;
  }

  private setLeader(held: boolean): void {
    if (held === this.leader) return;
    this.leader = held;
    this.deps.onLease(this.kind, held);
  }

  private async leaseTick(): Promise<void> {
    const coordination = this.deps.coordination;
    if (this.stopped || !coordination || !this.shared) return;
    await coordination.registerInterest(this.key, [...this.byId.keys()], this.interestUntil());
    if (this.stopped) return;
    const ttl = leaseTtlOf(this.deps.intervalMs);
    if (this.leader) {
      const renewed = await coordination.renewLease(this.key, this.deps.owner, ttl);
      if (renewed === 'lost') this.setLeader(false);
      return;
    }
    if ((await coordination.acquireLease(this.key, this.deps.owner, ttl)) !== 'acquired') return;
    if (this.stopped) {
      await coordination.releaseLease(this.key, this.deps.owner);
      return;
    }
    // The previous holder's lease ran out at least 1.25 intervals after its last poll: poll now.
    this.setLeader(true);
    await this.poll();
  }

  private async pollTick(): Promise<void> {
    if (this.stopped) return;
    if (!this.shared) {
      // Alone (no Redis, or Redis lost): poll this process's own ids.
      this.setLeader(false);
      await this.poll();
    } else if (this.leader) {
      await this.poll();
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const shared = this.shared && this.leader;
      const ids = new Set(this.byId.keys());
      if (shared) for (const id of (await this.deps.coordination?.interest(this.key, Date.now())) ?? []) ids.add(id);
      if (ids.size === 0) return;
      const list = [...ids];
      const signal = AbortSignal.timeout(Math.max(1000, this.deps.intervalMs * 2));
      let results: Map<string, unknown>;
      try {
        results = await this.fetch(list, signal);
        this.deps.onPoll(this.kind, 'ok');
      } catch (err) {
        this.deps.onPoll(this.kind, 'error');
        results = new Map(list.map((id) => [id, err instanceof Error ? err : new Error(String(err))]));
      }
      const changed: Array<[string, string]> = [];
      for (const id of list) {
        const json = JSON.stringify(liveResultOf(results.has(id) ? results.get(id) : new Error(`${id} was not fetched`)));
        if (this.lastSeen.get(id) !== json) changed.push([id, json]);
      }
      const forget = [...this.lastSeen.keys()].filter((id) => !ids.has(id));
      for (const id of forget) this.lastSeen.delete(id);
      if (this.stopped) return;
      if (shared && this.deps.coordination) {
        // Stored before it is published: a subscriber arriving meanwhile starts from it.
        await this.deps.coordination.storeResults(this.key, changed, forget, this.deps.intervalMs * 4);
        if (changed.length === 0) return;
        const sent = await this.deps.coordination.publish(JSON.stringify({ t: this.key, r: changed }));
        if (!sent) this.deliver(changed);
      } else {
        this.deliver(changed);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, topic: this.kind }, 'live poll failed');
    } finally {
      this.polling = false;
    }
  }
}
