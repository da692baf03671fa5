import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { CacheBroadcast } from '../cache/cache';
import type { Logger } from '../observability/logger';

/**
 * How the gateway processes sharing one Redis share the polling of live topics:
 *
 * - **interest**: every process that holds subscribers of a topic writes their ids into the
 *   topic's sorted set (score: until when), again every half interval; an id nobody refreshes
 *   drops out, so polling of an id stops a few intervals after its last subscriber left;
 * - **lease**: one process per topic polls it (SET NX PX, renewed every half interval by its
 *   holder, 1.25 intervals long, so another process holding subscribers of that topic takes
 *   over within two intervals when the holder dies);
 * - **last values**: what the holder last published per id (a hash), so a new subscriber on
 *   any process starts from the freshest value;
 * - **fan-out**: results go to every process on one pub/sub channel (the cache's broadcast).
 *
 * Every key of a topic shares one hash tag (`{live:<topic>}`), so all of this works on one
 * Redis Cluster slot as well. Redis failing never fails a subscriber: each call answers
 * "unavailable" and the hub falls back to polling alone until Redis is back.
 */
export interface LiveCoordination {
  /** Whether the fan-out channel is listening now (else results would not reach this process). */
  readonly listening: boolean;
  registerInterest(topic: string, ids: readonly string[], untilMs: number): Promise<boolean>;
  /** The ids any process still holds subscribers of; undefined when Redis did not answer. */
  interest(topic: string, nowMs: number): Promise<string[] | undefined>;
  /** `acquired` (now ours), `held` (someone else's), `unavailable` (Redis down). */
  acquireLease(topic: string, owner: string, ttlMs: number): Promise<'acquired' | 'held' | 'unavailable'>;
  /** Extends the lease while `owner` still holds it; `lost` when it does not any more. */
  renewLease(topic: string, owner: string, ttlMs: number): Promise<'renewed' | 'lost' | 'unavailable'>;
  releaseLease(topic: string, owner: string): Promise<void>;
  /** The last published result per id (JSON), undefined where none. */
  lastResults(topic: string, ids: readonly string[]): Promise<Array<string | undefined>>;
  /** Records published results (JSON per id) and forgets ids no longer polled; the whole hash lives `ttlMs`. */
  storeResults(topic: string, results: ReadonlyArray<readonly [string, string]>, forget: readonly string[], ttlMs: number): Promise<void>;
  publish(message: string): Promise<boolean>;
  listen(onMessage: (message: string) => void): void;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** {@link LiveCoordination} over the gateway's Redis connection and its cache broadcast. */
export class RedisLiveCoordination implements LiveCoordination {
  private listeningNow = false;
  private readonly listeners: Array<(message: string) => void> = [];
  private subscribed = false;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly broadcast: CacheBroadcast,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  get listening(): boolean {
    return this.listeningNow;
  }

  private key(topic: string, part: 'interest' | 'lease' | 'last'): string {
    return `${this.prefix}:{live:${topic}}:${part}`;
  }

  private get channel(): string {
    return `${this.prefix}:live`;
  }

  async registerInterest(topic: string, ids: readonly string[], untilMs: number): Promise<boolean> {
    if (ids.length === 0) return true;
    return this.safely('registerInterest', false, async () => {
      const args: Array<string | number> = [];
      for (const id of ids) args.push(untilMs, id);
      const key = this.key(topic, 'interest');
      await this.redis
        .multi()
        .zadd(key, ...args)
        .pexpire(key, Math.max(1000, untilMs - Date.now()) * 2)
        .exec();
      return true;
    });
  }

  async interest(topic: string, nowMs: number): Promise<string[] | undefined> {
    return this.safely('interest', undefined, async () => {
      const key = this.key(topic, 'interest');
      const answer = await this.redis.multi().zremrangebyscore(key, '-inf', nowMs).zrange(key, 0, -1).exec();
      const ids = answer?.[1]?.[1];
      return Array.isArray(ids) ? ids.map(String) : [];
    });
  }

  async acquireLease(topic: string, owner: string, ttlMs: number): Promise<'acquired' | 'held' | 'unavailable'> {
    return this.safely('acquireLease', 'unavailable' as const, async () =>
      (await this.redis.set(this.key(topic, 'lease'), owner, 'PX', ttlMs, 'NX')) === 'OK' ? 'acquired' : 'held',
    );
  }

  async renewLease(topic: string, owner: string, ttlMs: number): Promise<'renewed' | 'lost' | 'unavailable'> {
    return this.safely('renewLease', 'unavailable' as const, async () =>
      (await this.redis.eval(RENEW, 1, this.key(topic, 'lease'), owner, ttlMs)) === 1 ? 'renewed' : 'lost',
    );
  }

  async releaseLease(topic: string, owner: string): Promise<void> {
    await this.safely('releaseLease', undefined, async () => void (await this.redis.eval(RELEASE, 1, this.key(topic, 'lease'), owner)));
  }

  async lastResults(topic: string, ids: readonly string[]): Promise<Array<string | undefined>> {
    const none = ids.map(() => undefined);
    if (ids.length === 0) return none;
    return this.safely('lastResults', none, async () =>
      (await this.redis.hmget(this.key(topic, 'last'), ...ids)).map((v) => v ?? undefined),
    );
  }

  async storeResults(
    topic: string,
    results: ReadonlyArray<readonly [string, string]>,
    forget: readonly string[],
    ttlMs: number,
  ): Promise<void> {
    await this.safely('storeResults', undefined, async () => {
      const key = this.key(topic, 'last');
      const tx = this.redis.multi();
      if (results.length) tx.hset(key, Object.fromEntries(results));
      if (forget.length) tx.hdel(key, ...forget);
      tx.pexpire(key, ttlMs);
      await tx.exec();
    });
  }

  async publish(message: string): Promise<boolean> {
    return this.broadcast.publish(this.channel, message);
  }

  listen(onMessage: (message: string) => void): void {
    this.listeners.push(onMessage);
    if (this.subscribed) return;
    this.subscribed = true;
    this.broadcast.listen(
      this.channel,
      (message) => {
        for (const listener of this.listeners) listener(message);
      },
      (listening) => {
        this.listeningNow = listening;
        this.logger.info(
          { listening },
          listening ? 'live updates: sharing polls through Redis' : 'live updates: polling alone (Redis lost)',
        );
      },
    );
  }

  private async safely<T>(op: string, fallback: T, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.logger.debug({ op, err: (err as Error).message }, 'live coordination command failed: polling alone for now');
      return fallback;
    }
  }
}
