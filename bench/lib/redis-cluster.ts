import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPorts, privateRedisDir, RedisProcesses } from './redis-processes';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  id: string;
  role: 'master' | 'replica';
  /** For a replica: the port of its master. */
  masterPort?: number;
}

export interface RedisClusterOptions {
  /** Masters (default 3); each gets `replicasPerMaster` replicas (default 1). */
  masters?: number;
  replicasPerMaster?: number;
  /** How long a master may be unreachable before its replica takes over (ms). Default 1000. */
  nodeTimeoutMs?: number;
}

/**
 * A real Redis Cluster on loopback: `redis-server --cluster-enabled yes` per node on free
 * ports, joined by `redis-cli --cluster create`. No persistence, a private temp dir, every
 * process killed by {@link RedisCluster.stop}. Used by the cluster test and the benchmark; the
 * machine's shared Redis is never touched.
 */
export class RedisCluster extends RedisProcesses {
  private constructor(
    readonly ports: number[],
    dir: string,
    private readonly nodeTimeoutMs: number,
  ) {
    super(dir, 'Redis Cluster');
  }

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 1;
    const count = masters * (1 + replicas);
    const ports = await freeLoopbackPorts(count);
    const cluster = new RedisCluster(ports, privateRedisDir('cluster'), options.nodeTimeoutMs ?? 1000);
    try {
      await Promise.all(ports.map((p) => cluster.spawnNode(p)));
      await run(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
        { timeout: 60_000 },
      );
      await cluster.waitUntilOk();
      // Replicas attach asynchronously after `create`: wait until every master has its replicas.
      await cluster.waitFor(async () => {
        const nodes = await cluster.nodes();
        return nodes.filter((n) => n.role === 'replica').length === masters * replicas;
      }, 30_000);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** `host:port,...` of every node, as REDIS_CLUSTER_NODES takes it. */
  get nodesVariable(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /** The cluster's topology as a live node sees it. */
  async nodes(): Promise<ClusterNode[]> {
    const alive = this.ports.filter((p) => this.children.has(p));
    for (const port of alive) {
      try {
        const text = await this.cli(port, 'cluster', 'nodes');
        const lines = text.trim().split('\n').filter(Boolean);
        const parsed = lines.map((line) => {
          const [id = '', addr = '', flags = '', masterId = ''] = line.split(' ');
          const nodePort = Number(addr.split('@')[0]?.split(':')[1]);
          return { id, port: nodePort, flags: flags.split(','), masterId };
        });
        const portOf = new Map(parsed.map((n) => [n.id, n.port]));
        return parsed
          .filter((n) => !n.flags.includes('fail') && !n.flags.includes('fail?') && this.children.has(n.port))
          .map((n) =>
            n.flags.includes('master')
              ? { port: n.port, id: n.id, role: 'master' as const }
              : { port: n.port, id: n.id, role: 'replica' as const, masterPort: portOf.get(n.masterId) },
          );
      } catch {
        // try the next node
      }
    }
    return [];
  }

  /** The master serving the hash slot of `key` (e.g. a `{hash tag}` key). */
  async masterOf(key: string): Promise<number> {
    for (const port of this.ports.filter((p) => this.children.has(p))) {
      try {
        const slot = Number((await this.cli(port, 'cluster', 'keyslot', key)).trim());
        for (const line of (await this.cli(port, 'cluster', 'nodes')).trim().split('\n')) {
          const fields = line.split(' ');
          if (!fields[2]?.split(',').includes('master') || fields[2].includes('fail')) continue;
          // Fields 8.. are the master's slot ranges: `0-5460` or a single `42`.
          for (const range of fields.slice(8)) {
            const [start, end = start] = range.split('-').map(Number);
            if (start !== undefined && end !== undefined && slot >= start && slot <= end)
              return Number(fields[1]?.split('@')[0]?.split(':')[1]);
          }
        }
      } catch {
        // try the next node
      }
    }
    throw new Error(`no live master serves the slot of ${key}`);
  }

  /** Waits until a live node reports `cluster_state:ok` and every slot served. */
  async waitUntilOk(timeoutMs = 30_000): Promise<void> {
    await this.waitFor(async () => {
      for (const port of this.ports.filter((p) => this.children.has(p))) {
        const info = await this.cli(port, 'cluster', 'info').catch(() => '');
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
      }
      return true;
    }, timeoutMs);
  }

  private async spawnNode(port: number): Promise<void> {
    await this.spawnServer(port, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      path.join(this.dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      String(this.nodeTimeoutMs),
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
  }
}
