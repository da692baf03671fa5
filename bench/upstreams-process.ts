import { startSimulators } from '../src/simulators';
import type { RecordedCall } from '../src/simulators/simulator';
import type { FromUpstreams, ToUpstreams } from './lib/ipc';

/**
 * Child process of the benchmark: every simulated upstream on loopback, at a set latency, in
 * its own process so upstream work is not counted as gateway work (they still share the
 * machine's cores). Call counters are folded into totals every second so the simulators' call
 * logs stay small during long runs.
 */
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function main(): Promise<void> {
  const latencyMs = Number(process.argv[2] ?? '20');
  const sims = await startSimulators();
  const all = sims.all();
  for (const sim of all) sim.setLatency(sim.name === 'iam' ? 0 : latencyMs);
  const totals = new Map<string, number>();
  // While tracing, the calls themselves (their answeredAt is set when they are answered).
  let traced: Array<{ upstream: string; call: RecordedCall }> | null = null;
  const fold = () => {
    for (const sim of all) {
      totals.set(sim.name, (totals.get(sim.name) ?? 0) + sim.calls.length);
      if (traced) for (const call of sim.calls) traced.push({ upstream: sim.name, call });
      sim.resetCalls();
    }
  };
  const timer = setInterval(fold, 1000);

  const send = (message: FromUpstreams) => process.send?.(message);
  // The benchmark gone (crashed, interrupted): never outlive it.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ToUpstreams) => {
    switch (message.type) {
      case 'counts':
        fold();
        send({ type: 'counts', counts: Object.fromEntries(totals), cpuMicros: cpuMicros() });
        break;
      case 'trace':
        fold();
        traced = message.on ? [] : null;
        send({ type: 'ok' });
        break;
      case 'calls':
        fold();
        send({
          type: 'calls',
          calls: (traced ?? []).map(({ upstream, call }) => ({ upstream, path: call.path, at: call.at, answeredAt: call.answeredAt })),
        });
        if (traced) traced = [];
        break;
      case 'latency':
        for (const sim of all) if (sim.name !== 'iam') sim.setLatency(message.ms);
        send({ type: 'ok' });
        break;
      case 'stop':
        clearInterval(timer);
        void sims.close().then(() => process.exit(0));
        break;
    }
  });
  send({ type: 'ready', endpoints: sims.endpoints, names: all.map((s) => s.name) });
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench upstreams failed: ${(err as Error).message}\n`);
  process.exit(1);
});
