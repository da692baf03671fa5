import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from './redis-cluster';

const run = promisify(execFile);

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
export class RedisSentinelSet {
  private readonly children = new Map<number, ChildProcess>();

  private constructor(
    readonly masterName: string,
    readonly dataPorts: [number, number],
    readonly sentinelPort: number,
    private readonly dir: string,
  ) {}

  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
    const ports: number[] = [];
    while (ports.length < 3) {
      const p = await freeLoopbackPort();
      if (!ports.includes(p)) ports.push(p);
    }
    const [master, replica, sentinel] = ports as [number, number, number];
    const name = options.masterName ?? 'mymaster';
    const set = new RedisSentinelSet(name, [master, replica], sentinel, mkdtempSync(path.join(os.tmpdir(), 'gw-sentinel-')));
    try {
      const data = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', set.dir];
      await set.spawn(master, ['--port', String(master), ...data]);
      await set.spawn(replica, ['--port', String(replica), ...data, '--replicaof', '127.0.0.1', String(master)]);
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
      await set.spawn(sentinel, [conf, '--sentinel']);
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

  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
    return stdout;
  }

  /** The port of the current master, as the sentinel sees it. */
  async masterPort(): Promise<number> {
    const lines = (await this.cli(this.sentinelPort, 'sentinel', 'get-master-addr-by-name', this.masterName)).trim().split('\n');
    return Number(lines[1]);
  }

  /** Waits until the master's replica has acknowledged every write so far. */
  async waitReplicaInSync(masterPort: number): Promise<void> {
    await this.waitFor(async () => Number((await this.cli(masterPort, 'wait', '1', '500')).trim()) >= 1, 10_000);
  }

  /** Kills one node as a crash would (SIGKILL). */
  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    if (!child) return;
    this.children.delete(port);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Waits until the sentinel has promoted another node than `oldMaster`. */
  async waitFailover(oldMaster: number, timeoutMs = 30_000): Promise<number> {
    await this.waitFor(async () => (await this.masterPort().catch(() => oldMaster)) !== oldMaster, timeoutMs);
    return this.masterPort();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((p) => this.kill(p)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async spawn(port: number, args: string[]): Promise<void> {
    this.children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    await this.waitFor(async () => (await this.cli(port, 'ping').catch(() => '')).trim() === 'PONG', 5000);
  }

  private async waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`Redis Sentinel: condition not met in ${timeoutMs} ms`);
  }
}
