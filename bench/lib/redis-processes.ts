import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A free TCP port on loopback. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** `count` distinct free loopback ports. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const p = await freeLoopbackPort();
    if (!ports.includes(p)) ports.push(p);
  }
  return ports;
}

/** A private temp dir for one set of redis-server processes. */
export function privateRedisDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `gw-${label}-`));
}

/**
 * A set of private redis-server processes on loopback (a cluster, a Sentinel set): spawning,
 * redis-cli, crash-killing and cleanup in one place. The machine's shared Redis is never touched.
 */
export abstract class RedisProcesses {
  protected readonly children = new Map<number, ChildProcess>();

  protected constructor(
    protected readonly dir: string,
    /** Names the set in error messages. */
    private readonly label: string,
  ) {}

  /** Runs a redis-cli command against one process and answers its output. */
  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 });
    return stdout;
  }

  /** Waits until the master's replica has acknowledged every write so far. */
  async waitReplicaInSync(masterPort: number): Promise<void> {
    await this.waitFor(async () => Number((await this.cli(masterPort, 'wait', '1', '500')).trim()) >= 1, 10_000);
  }

  /** Kills one process as a crash would (SIGKILL). */
  async kill(port: number): Promise<void> {
    const child = this.children.get(port);
    if (!child) return;
    this.children.delete(port);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills every process and removes the temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((p) => this.kill(p)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Starts redis-server with `args` and waits until it answers PING on `port`. */
  protected async spawnServer(port: number, args: string[]): Promise<void> {
    this.children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    await this.waitFor(async () => (await this.cli(port, 'ping').catch(() => '')).trim() === 'PONG', 5000);
  }

  /** Polls `check` (a throw counts as false) until true or `timeoutMs`. */
  protected async waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.label}: condition not met in ${timeoutMs} ms`);
  }
}
