import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freeLoopbackPort } from '../../bench/lib/redis-processes';

/** A free TCP port on loopback. */
export const freePort = freeLoopbackPort;

async function waitForPort(port: number, up: boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open === up) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`port ${port} did not become ${up ? 'open' : 'closed'} in ${timeoutMs} ms`);
}

/**
 * A private redis-server on a free port, for tests that stop, cut or reconfigure Redis (the
 * machine's shared Redis is never touched). Extra args are passed to redis-server.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  static async start(args: string[] = [], port?: number): Promise<PrivateRedis> {
    const redis = new PrivateRedis(port ?? (await freePort()), args);
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** (Re)starts the server on the same port. */
  async resume(): Promise<void> {
    if (this.child) return;
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.args],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(this.port, true);
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a Redis
   * that hangs rather than goes away. {@link thaw} resumes it.
   */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the server (as a crash would) and waits until the port is closed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await waitForPort(this.port, false);
  }
}
