import { UPSTREAM_NAMES, type UpstreamName } from '../config';
import { startSimulators, type SimulatedUpstreams } from './index';

/**
 * The simulated upstreams alone, as a process of their own (the `simulators` service of
 * docker-compose.yml): each upstream on a fixed port, SIMULATOR_BASE_PORT + its place in the
 * contract's list of upstreams, so a gateway configured with real-looking endpoints reaches it:
 *
 *   iam 4100 · pipeline 4101 · artifact 4102 · rts 4103 · bandwidth 4104 · comestri 4105
 *
 * Like src/main.ts this entry point is the only place of its process that reads process.env.
 */
export const DEFAULT_SIMULATOR_BASE_PORT = 4100;

export function simulatorPorts(basePort: number): Record<UpstreamName, number> {
  return Object.fromEntries(UPSTREAM_NAMES.map((name, i) => [name, basePort + i])) as Record<UpstreamName, number>;
}

function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535 - UPSTREAM_NAMES.length) {
    process.stderr.write(`Configuration error: ${name}: must be a port between 1 and ${65535 - UPSTREAM_NAMES.length}\n`);
    process.exit(78);
  }
  return port;
}

async function main(): Promise<void> {
  const host = process.env.SIMULATOR_HOST || '0.0.0.0';
  const basePort = parsePort('SIMULATOR_BASE_PORT', process.env.SIMULATOR_BASE_PORT, DEFAULT_SIMULATOR_BASE_PORT);
  const sims: SimulatedUpstreams = await startSimulators({ host, ports: simulatorPorts(basePort) });
  process.stdout.write(
    `${JSON.stringify({ level: 'info', msg: 'simulated upstreams listening', host, ports: simulatorPorts(basePort) })}\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void sims.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  void main().catch((err: unknown) => {
    process.stderr.write(`Simulators failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
