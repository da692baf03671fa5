import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freeLoopbackPorts, privateRedisDir, RedisProcesses } from './redis-processes';

export interface RedisSentinelOptions {
  /** Name of the monitored master. Default `mymaster`. */
  masterName?: string;
  /** How long the master may be unreachable before the sentinel fails over (ms). Default 1000. */
  downAfterMs?: number;
}

/**
 * A real Redis Sentinel setup on loopback: a master, one replica and one sentinel (quorum 1),
 * each a `redis-server` on a free port with no persistence in a private temp dir; every process
 * is killed by {@link RedisSentinelSet.stop}. The machine's shared Redis is never touched.
 */
export class RedisSentinelSet extends RedisProcesses {
  private constructor(
    readonly masterName: string,
    readonly dataPorts: [number, number],
    readonly sentinelPort: number,
    dir: string,
  ) {
    super(dir, 'Redis Sentinel');
  }

  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
    const [master, replica, sentinel] = (await freeLoopbackPorts(3)) as [number, number, number];
    const name = options.masterName ?? 'mymaster';
    const set = new RedisSentinelSet(name, [master, replica], sentinel, privateRedisDir('sentinel'));
    try {
      const data = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', set.dir];
      await set.spawnServer(master, ['--port', String(master), ...data]);
      await set.spawnServer(replica, ['--port', String(replica), ...data, '--replicaof', '127.0.0.1', String(master)]);
      const conf = path.join(set.dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${sentinel}`,
          'bind 127.0.0.1',
          `dir ${set.dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${master} 1`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      await set.spawnServer(sentinel, [conf, '--sentinel']);
      await set.waitFor(async () => /master_link_status:up/.test(await set.cli(replica, 'info', 'replication')), 15_000);
      // The sentinel learns the replica from the master's INFO within a few seconds.
      await set.waitFor(async () => /127\.0\.0\.1/.test(await set.cli(sentinel, 'sentinel', 'replicas', name)), 20_000);
    } catch (err) {
      await set.stop();
      throw err;
    }
    return set;
  }

  /** `host:port` of the sentinel, as REDIS_SENTINELS takes it. */
  get sentinelsVariable(): string {
    return `127.0.0.1:${this.sentinelPort}`;
  }

  /** The port of the current master, as the sentinel sees it. */
  async masterPort(): Promise<number> {
    const lines = (await this.cli(this.sentinelPort, 'sentinel', 'get-master-addr-by-name', this.masterName)).trim().split('\n');
    return Number(lines[1]);
  }

  /** Waits until the sentinel has promoted another node than `oldMaster`. */
  async waitFailover(oldMaster: number, timeoutMs = 30_000): Promise<number> {
    await this.waitFor(async () => (await this.masterPort().catch(() => oldMaster)) !== oldMaster, timeoutMs);
    return this.masterPort();
  }
}
