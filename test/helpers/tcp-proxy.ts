import net from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of `target`, for faults a server cannot fake
 * by itself: `freeze()` keeps connections open but forwards nothing (a black hole), `cut()`
 * drops every connection and refuses new ones, `restore()` undoes both. It also counts the
 * connections it saw open and close, so tests can see pools and cancellations.
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private mode: 'open' | 'frozen' | 'cut' = 'open';
  /** Connections accepted so far. */
  accepted = 0;
  /** Most connections open at once. */
  peakOpen = 0;
  /** Client connections that closed (e.g. a cancelled request's socket). */
  closed = 0;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: target.host ?? '127.0.0.1', port: target.port });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', () => resolve()));
    proxy.port = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  get open(): number {
    return this.pairs.size;
  }

  /** Connections stay up, bytes stop flowing both ways. */
  freeze(): void {
    this.mode = 'frozen';
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Every connection is dropped; new ones are closed at once. */
  cut(): void {
    this.mode = 'cut';
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  restore(): void {
    this.mode = 'open';
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    if (this.mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    this.peakOpen = Math.max(this.peakOpen, this.pairs.size);
    client.pipe(upstream);
    upstream.pipe(client);
    if (this.mode === 'frozen') {
      client.pause();
      upstream.pause();
    }
    const end = () => {
      if (!this.pairs.delete(pair)) return;
      this.closed += 1;
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  }
}
