import Redis, { Cluster, type RedisOptions, type ClusterOptions } from 'ioredis';
import type { Cache, CacheBroadcast, CacheHealth } from './cache';
import type { Logger } from '../observability/logger';

export type RedisTarget =
  | { url: string }
  | { clusterNodes: Array<{ host: string; port: number }> }
  | { sentinels: Array<{ host: string; port: number }>; masterName: string };

export interface RedisCacheOptions {
  target: RedisTarget;
  logger: Logger;
  /**
   * Longest a cache command may take before it counts as a miss (ms). Default 250. One that
   * takes longer also marks the cache stalled (see {@link RedisCache}).
   */
  commandTimeoutMs?: number;
  /** How often a stalled cache is probed with PING (ms). Default 1000. */
  stallProbeMs?: number;
  /** Extra ioredis options (TLS, password), merged over the defaults. */
  redisOptions?: RedisOptions;
}

interface ChannelListener {
  onMessage: (message: string) => void;
  onListening: (listening: boolean) => void;
  listening: boolean;
}

function setListening(listener: ChannelListener, now: boolean): void {
  if (listener.listening === now) return;
  listener.listening = now;
  listener.onListening(now);
}

const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Redis (single node, Sentinel-managed master, or cluster) behind the {@link Cache} interface.
 *
 * Redis down is never a failed query: the offline queue is off and commands have a short
 * timeout, so a missing Redis answers "miss" at once instead of queueing requests; ioredis
 * keeps reconnecting in the background and the cache recovers without a restart.
 *
 * A Redis that holds the connection open but does not answer (paused, swapping, a stuck
 * script) is "stalled" once commands have kept timing out for a whole command timeout with no
 * answer in between (one slow reply on a busy machine is not a stall). From then on every
 * command answers its fallback (a miss, a dropped write) at once instead of waiting out its
 * timeout, `health()` says `down` (so /readyz says `degraded`), and one PING per
 * `stallProbeMs` asks whether it answers again; the first answer ends the stall.
 */
export class RedisCache implements Cache {
  readonly kind: 'redis' | 'redis-cluster';
  private readonly client: Redis | Cluster;
  private readonly logger: Logger;
  private down: { since: string; reason: string } | null = { since: new Date().toISOString(), reason: 'connecting' };
  private stalled: { since: string; reason: string } | null = null;
  private stallProbe: NodeJS.Timeout | null = null;
  /** When the first command that timed out since the last answer was sent (performance.now()). */
  private timingOutSince: number | null = null;
  private readonly commandTimeoutMs: number;
  private readonly stallProbeMs: number;
  /** Pub/sub connections of {@link broadcast}'s listeners (closed with the cache). */
  private readonly listeners: Redis[] = [];
  /** The one connection every channel of {@link broadcast} listens on, made on first listen. */
  private subscriber: Redis | null = null;
  private readonly channels = new Map<string, ChannelListener[]>();
  /**
   * Single node and Sentinel only: on Redis Cluster a subscriber holds one node, and following
   * it through failovers is left to a later change (the result cache then reads versions).
   */
  readonly broadcast?: CacheBroadcast;

  constructor(options: RedisCacheOptions) {
    this.logger = options.logger;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 250;
    this.stallProbeMs = options.stallProbeMs ?? 1000;
    const common: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.commandTimeoutMs,
      retryStrategy: (times) => Math.min(times * 100, 2000),
      lazyConnect: false,
      // How long close() waits for the socket to end before destroying it (ioredis default 2 s).
      disconnectTimeout: 200,
      // Commands issued in the same tick share one write (a dashboard reads ~15 scopes at once).
      enableAutoPipelining: true,
      ...options.redisOptions,
    };
    if ('url' in options.target) {
      this.kind = 'redis';
      this.client = new Redis(options.target.url, common);
    } else if ('sentinels' in options.target) {
      // One master at a time, found through the sentinels (asked again after a failover).
      this.kind = 'redis';
      this.client = new Redis({ ...common, sentinels: options.target.sentinels, name: options.target.masterName });
    } else {
      this.kind = 'redis-cluster';
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue: false,
        redisOptions: common,
        clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
        slotsRefreshTimeout: 2000,
        enableAutoPipelining: true,
      };
      this.client = new Cluster(options.target.clusterNodes, clusterOptions);
    }
    if (this.kind === 'redis') this.broadcast = { publish: (c, m) => this.publish(c, m), listen: (c, m, l) => this.listen(c, m, l) };
    this.client.on('ready', () => {
      if (this.down) this.logger.info({ cache: this.kind }, 'cache connected');
      this.down = null;
    });
    this.client.on('error', (err: Error) => this.markDown(err.message));
    this.client.on('end', () => this.markDown('connection closed'));
    this.client.on('close', () => this.markDown('connection closed'));
  }

  /**
   * The Redis connection itself, for coordination the {@link Cache} interface does not model
   * (live updates' leases and interest sets, src/live/coordination.ts). Same failure rules:
   * no offline queue, short command timeout.
   */
  get connection(): Redis | Cluster {
    return this.client;
  }

  /** Resolves once connected, or after `timeoutMs` (the gateway starts either way). */
  async waitReady(timeoutMs: number): Promise<boolean> {
    if (!this.down) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.safely('get', async () => (await this.client.get(key)) ?? undefined, undefined);
  }

  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const miss = keys.map(() => undefined);
    return this.safely('getMany', async () => (await this.client.mget(...keys)).map((v) => v ?? undefined), miss);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.safely('set', async () => void (await this.client.set(key, value, 'PX', Math.ceil(ttlMs))), undefined);
  }

  async setMany(entries: ReadonlyArray<readonly [string, string]>, ttlMs: number): Promise<void> {
    if (entries.length === 0 || ttlMs <= 0) return;
    await this.safely(
      'setMany',
      async () => {
        const pipeline = this.client.pipeline();
        for (const [k, v] of entries) pipeline.set(k, v, 'PX', Math.ceil(ttlMs));
        // exec() resolves with each command's error beside its result: a failed write is a failure.
        const failed = (await pipeline.exec())?.find(([err]) => err !== null);
        if (failed?.[0]) throw failed[0];
      },
      undefined,
    );
  }

  async delete(key: string): Promise<void> {
    await this.safely('delete', async () => void (await this.client.del(key)), undefined);
  }

  async increment(key: string): Promise<number | undefined> {
    return this.safely('increment', () => this.client.incr(key), undefined);
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<'acquired' | 'held' | 'unavailable'> {
    return this.safely(
      'acquireLock',
      async () => ((await this.client.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK' ? 'acquired' : 'held'),
      'unavailable' as const,
    );
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    await this.safely('releaseLock', async () => void (await this.client.eval(RELEASE_LOCK, 1, key, owner)), undefined);
  }

  private async publish(channel: string, message: string): Promise<boolean> {
    return this.safely('publish', async () => (await this.client.publish(channel, message), true), false);
  }

  /**
   * Subscribes on the cache's one pub/sub connection (a subscribed connection can do nothing
   * else; every channel of the process shares it), again after every reconnect (and, under
   * Sentinel, on the new master after a failover), and again a second later when a SUBSCRIBE
   * fails (a busy Redis can outlast the command timeout); says `listening` only once the
   * subscription is confirmed, and not listening as soon as the connection is lost.
   */
  private listen(channel: string, onMessage: (message: string) => void, onListening: (listening: boolean) => void): void {
    const listener: ChannelListener = { onMessage, onListening, listening: false };
    const listeners = this.channels.get(channel) ?? [];
    listeners.push(listener);
    this.channels.set(channel, listeners);
    const sub = this.subscriberConnection();
    if (sub.status === 'ready') this.subscribe(sub, [channel]);
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const sub = (this.client as Redis).duplicate({ autoResubscribe: false, enableAutoPipelining: false });
    this.subscriber = sub;
    this.listeners.push(sub);
    sub.on('message', (from: string, message: string) => {
      for (const listener of this.channels.get(from) ?? []) listener.onMessage(message);
    });
    sub.on('ready', () => this.subscribe(sub, [...this.channels.keys()]));
    for (const lost of ['close', 'end', 'reconnecting'] as const) {
      sub.on(lost, () => {
        for (const listeners of this.channels.values()) for (const listener of listeners) setListening(listener, false);
      });
    }
    // Errors also close the connection ('close' above); the main client already logs Redis down.
    sub.on('error', () => undefined);
    return sub;
  }

  private subscribe(sub: Redis, channels: string[]): void {
    if (channels.length === 0) return;
    sub.subscribe(...channels).then(
      () => {
        for (const channel of channels) for (const listener of this.channels.get(channel) ?? []) setListening(listener, true);
      },
      (err: Error) => {
        this.logger.debug({ err: err.message }, 'cache subscription failed: reading versions instead, trying again in 1 s');
        setTimeout(() => {
          if (sub.status === 'ready') this.subscribe(sub, channels);
        }, 1000).unref();
      },
    );
  }

  health(): CacheHealth {
    const problem = this.down ?? this.stalled;
    return problem ? { state: 'down', kind: this.kind, ...problem } : { state: 'up', kind: this.kind };
  }

  async close(): Promise<void> {
    this.endStall();
    // disconnect() also stops ioredis's reconnect timer, which quit() leaves running when down.
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
      } catch {
        // fall through to disconnect
      }
    }
    this.client.disconnect();
    for (const sub of this.listeners) sub.disconnect();
  }

  private markDown(reason: string): void {
    if (!this.down) {
      this.logger.warn({ cache: this.kind, reason }, 'cache unavailable: serving without it');
      this.down = { since: new Date().toISOString(), reason };
    }
  }

  private async safely<T>(op: string, run: () => Promise<T>, fallback: T): Promise<T> {
    if (this.stalled) return fallback;
    if (this.down && this.kind === 'redis' && (this.client as Redis).status !== 'ready') return fallback;
    try {
      const result = await run();
      this.timingOutSince = null;
      return result;
    } catch (err) {
      const message = (err as Error).message;
      if (isCommandTimeout(message)) this.onCommandTimeout();
      this.logger.debug({ op, err: message }, 'cache command failed: treated as a miss');
      return fallback;
    }
  }

  /**
   * One slow answer on a busy machine is not a stall (an event loop held up makes a reply that
   * already arrived time out too): the cache is stalled once commands have kept timing out for a
   * whole command timeout with no answer in between.
   */
  private onCommandTimeout(): void {
    const now = performance.now();
    if (this.timingOutSince === null) this.timingOutSince = now - this.commandTimeoutMs;
    else if (now - this.timingOutSince >= 2 * this.commandTimeoutMs) this.markStalled();
  }

  private markStalled(): void {
    if (this.stalled) return;
    const reason = `not answering: a command took longer than ${this.commandTimeoutMs} ms`;
    this.logger.warn({ cache: this.kind, reason }, 'cache stalled: serving without it until it answers');
    this.stalled = { since: new Date().toISOString(), reason };
    let probing = false;
    this.stallProbe = setInterval(() => {
      if (probing) return;
      probing = true;
      this.client.ping().then(
        () => {
          probing = false;
          if (!this.stalled) return;
          this.endStall();
          this.logger.info({ cache: this.kind }, 'cache answering again');
        },
        () => {
          probing = false;
        },
      );
    }, this.stallProbeMs);
  }

  private endStall(): void {
    this.stalled = null;
    this.timingOutSince = null;
    if (this.stallProbe) clearInterval(this.stallProbe);
    this.stallProbe = null;
  }
}

function isCommandTimeout(message: string): boolean {
  // ioredis's commandTimeout rejection.
  return message === 'Command timed out';
}
